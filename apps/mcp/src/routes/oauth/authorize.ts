import {
  bodyLimit,
  clientIp,
  currentLogger,
  type Env,
  isStorableText,
  rateLimitKey,
  rateLimitSubject,
} from '@syfthub/service';
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { McpDeps } from '../../deps';
import type { LoginOutcome } from '../../hub/gateway';
import type { OAuthErrorCode } from '../../oauth/errors';
import { consentPage, errorPage, type PageMessage } from '../../oauth/page';
import {
  appendQuery,
  isValidPkceValue,
  matchRedirectUri,
  narrowScope,
  normaliseResource,
  sha256Hex,
} from '../../oauth/params';
import type { PendingAuthorization } from '../../oauth/pending';
import { hitRateLimit } from '../../oauth/rate-limits';

const COOKIE_NAME = 'mcp_authreq';
const EXPIRED_MESSAGE = 'This sign-in request has expired or is invalid. Start again from your application.';
const MAX_STATE = 1024;
const MAX_NONCE = 255;
const MAX_LOGIN = 255;
const MAX_PASSWORD = 256;
const MAX_FORM_BYTES = 16 * 1024;
const IDENTIFIER_LIMIT = 10;
const IDENTIFIER_WINDOW_SECONDS = 15 * 60;

/** The page text for each failed sign-in (mcp.md §4.3). */
const LOGIN_FAILURES: Record<
  Exclude<LoginOutcome['kind'], 'ok'>,
  { status: 401 | 403 | 429 | 503; text: string }
> = {
  invalid_credentials: { status: 401, text: 'The e-mail/username or password is incorrect.' },
  email_not_verified: {
    status: 403,
    text: 'Your e-mail address is not verified yet. Finish verification on SyftHub, then try again.',
  },
  rate_limited: { status: 429, text: 'Too many sign-in attempts. Wait a moment and try again.' },
  unavailable: { status: 503, text: 'SyftHub is temporarily unavailable.' },
};

/** A query parameter given once; `null` when it was repeated, which OAuth forbids. */
function single(query: Record<string, string[]>, name: string): string | undefined | null {
  const values = query[name];
  if (values === undefined) return undefined;
  return values.length === 1 ? values[0] : null;
}

function hostOf(uri: string): string {
  try {
    const url = new URL(uri);
    return url.host || `${url.protocol}${url.pathname}`;
  } catch {
    return uri;
  }
}

function formString(form: Record<string, unknown>, name: string): string {
  const value = form[name];
  return typeof value === 'string' ? value : '';
}

/** `GET` and `POST /mcp/oauth/authorize`: validation, the sign-in + consent page, and the code (mcp.md §4.3). */
export function registerAuthorizeRoutes(app: Hono<Env>, deps: McpDeps): void {
  const { config, urls } = deps;
  const secureCookie = urls.issuer.startsWith('https://');
  const log = () => currentLogger() ?? deps.logger;

  function redirectTo(
    c: Context,
    redirectUri: string,
    params: Record<string, string | undefined>,
    status: 302 | 303,
  ) {
    return c.redirect(appendQuery(redirectUri, { ...params, iss: urls.issuer }), status);
  }

  function clearCookie(c: Context) {
    deleteCookie(c, COOKIE_NAME, {
      path: urls.cookiePath,
      secure: secureCookie,
      httpOnly: true,
      sameSite: 'Lax',
    });
  }

  app.get('/mcp/oauth/authorize', async (c) => {
    const query = c.req.queries();
    const clientId = single(query, 'client_id');
    if (!clientId) return errorPage(c, urls, 400, 'The request does not name a valid client (client_id).');
    const lookup = await deps.clients.find(clientId);
    if (!lookup.ok) return errorPage(c, urls, 400, lookup.reason);
    const { client } = lookup;
    const redirectUri = single(query, 'redirect_uri');
    if (!redirectUri || !matchRedirectUri(client.redirectUris, redirectUri)) {
      return errorPage(c, urls, 400, 'The redirect URI is missing or not registered for this application.');
    }

    // From here on the redirect URI is trusted, so errors go back to the client (RFC 6749 §4.1.2.1).
    const rawState = single(query, 'state');
    const state = typeof rawState === 'string' && rawState.length <= MAX_STATE ? rawState : undefined;
    const fail = (error: OAuthErrorCode, description: string) =>
      redirectTo(c, redirectUri, { error, error_description: description, state }, 302);

    for (const [name, values] of Object.entries(query)) {
      if (values.length > 1 && name !== 'resource')
        return fail('invalid_request', `${name} was sent more than once`);
    }
    if (single(query, 'response_type') !== 'code') {
      return fail('unsupported_response_type', 'response_type must be code');
    }
    if (rawState !== undefined && state === undefined) {
      return fail('invalid_request', `state must be at most ${MAX_STATE} characters`);
    }
    const codeChallenge = single(query, 'code_challenge');
    if (!isValidPkceValue(codeChallenge ?? undefined)) {
      return fail('invalid_request', 'code_challenge is required: 43 to 128 characters of [A-Za-z0-9-._~]');
    }
    if (single(query, 'code_challenge_method') !== 'S256') {
      return fail('invalid_request', 'code_challenge_method must be S256');
    }
    const resources = query.resource ?? [urls.resource];
    if (resources.some((value) => normaliseResource(value) !== normaliseResource(urls.resource))) {
      return fail('invalid_target', `resource must be ${urls.resource}`);
    }
    const nonce = single(query, 'nonce') ?? undefined;
    if (nonce !== undefined && nonce.length > MAX_NONCE) {
      return fail('invalid_request', `nonce must be at most ${MAX_NONCE} characters`);
    }
    const loginHint = single(query, 'login_hint')?.slice(0, MAX_LOGIN);

    const pending: PendingAuthorization = {
      clientId: client.clientId,
      redirectUri,
      scope: narrowScope(single(query, 'scope') ?? undefined),
      resource: urls.resource,
      codeChallenge: codeChallenge as string,
      ...(state === undefined ? {} : { state }),
      ...(nonce === undefined ? {} : { nonce }),
      ...(loginHint ? { loginHint } : {}),
      display: {
        clientName: client.clientName,
        redirectHost: hostOf(redirectUri),
        clientIdHost: client.registrationType === 'cimd' ? new URL(client.clientId).host : null,
      },
    };
    const requestId = await deps.pending.saveRequest(pending, config.MCP_AUTH_REQUEST_TTL_SECONDS);
    setCookie(c, COOKIE_NAME, deps.encryption.mac(requestId), {
      path: urls.cookiePath,
      httpOnly: true,
      sameSite: 'Lax',
      secure: secureCookie,
      maxAge: config.MCP_AUTH_REQUEST_TTL_SECONDS,
    });
    return consentPage(c, urls, 200, {
      requestId,
      display: pending.display,
      scope: pending.scope,
      loginHint: pending.loginHint,
    });
  });

  app.post('/mcp/oauth/authorize', bodyLimit(MAX_FORM_BYTES), async (c) => {
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody();
    } catch {
      // Hono throws on a malformed multipart body (e.g. no boundary): the client's error, as at token/revoke.
      return errorPage(c, urls, 400, 'The form could not be read. Start again from your application.');
    }
    const requestId = formString(form, 'request_id');
    const cookie = getCookie(c, COOKIE_NAME);
    if (requestId === '' || !cookie || !deps.encryption.verifyMac(requestId, cookie)) {
      return errorPage(c, urls, 400, EXPIRED_MESSAGE);
    }
    // Every OAuth parameter comes from the stored request, never from the form.
    const pending = await deps.pending.findRequest(requestId);
    if (!pending) return errorPage(c, urls, 400, EXPIRED_MESSAGE);

    const decision = formString(form, 'decision');
    const login = formString(form, 'login').trim();
    const password = formString(form, 'password');
    const page = (
      status: 400 | 401 | 403 | 429 | 503,
      message: PageMessage,
      headers?: Record<string, string>,
    ) =>
      consentPage(
        c,
        urls,
        status,
        {
          requestId,
          display: pending.display,
          scope: pending.scope,
          loginHint: login || pending.loginHint,
          message,
        },
        headers,
      );
    const completed = (outcome: 'allowed' | 'denied' | 'login_failed', userId?: number) => {
      deps.mcpMetrics.authorizations.inc({ outcome });
      log().info(
        { event: 'oauth.authorize.completed', client_id: pending.clientId, user_id: userId ?? null, outcome },
        'Authorization form submitted',
      );
    };

    if (decision === 'deny') {
      await deps.pending.deleteRequest(requestId);
      clearCookie(c);
      completed('denied');
      return redirectTo(
        c,
        pending.redirectUri,
        { error: 'access_denied', error_description: 'The user denied the request', state: pending.state },
        303,
      );
    }
    if (decision !== 'allow') return page(400, { text: 'Choose Allow or Cancel.' });
    if (login === '' || password === '') {
      return page(400, { text: 'Enter your e-mail or username and your password.' });
    }
    // No account has such a login or password: the hub would refuse them as input, not as credentials.
    if (
      login.length > MAX_LOGIN ||
      password.length > MAX_PASSWORD ||
      !isStorableText(login) ||
      !isStorableText(password)
    ) {
      return page(401, { text: LOGIN_FAILURES.invalid_credentials.text });
    }

    const ip = clientIp(c, deps.trustedProxies);
    const identifier = sha256Hex(login.toLowerCase());
    const limited =
      (await hitRateLimit(
        deps.kv,
        'mcp-login',
        rateLimitSubject(ip),
        config.MCP_LOGIN_RATE_LIMIT_PER_MINUTE,
        60,
      )) ??
      (await hitRateLimit(deps.kv, 'mcp-login-id', identifier, IDENTIFIER_LIMIT, IDENTIFIER_WINDOW_SECONDS));
    if (limited) return page(429, { text: LOGIN_FAILURES.rate_limited.text }, limited);

    const outcome = await deps.hub.login(login, password, ip);
    if (outcome.kind !== 'ok') {
      completed('login_failed');
      const failure = LOGIN_FAILURES[outcome.kind];
      const message: PageMessage =
        outcome.kind === 'email_not_verified'
          ? { text: failure.text, link: { href: urls.hubLogin, label: 'Open SyftHub' } }
          : { text: failure.text };
      return page(failure.status, message);
    }

    // The per-identifier limit is on guessing: a successful sign-in starts the count afresh.
    await deps.kv.del(rateLimitKey('mcp-login-id', identifier)).catch(() => false);
    // Taken atomically: of two racing submissions only one creates a grant.
    const taken = await deps.pending.takeRequest(requestId);
    if (!taken) {
      await deps.hub.logout(outcome.tokens.access_token);
      return errorPage(c, urls, 400, EXPIRED_MESSAGE);
    }
    const grantId = await deps.grants.create({
      clientId: taken.clientId,
      scope: taken.scope,
      resource: taken.resource,
      user: outcome.user,
      hubTokens: outcome.tokens,
    });
    const code = await deps.pending.issueCode(
      {
        grantId,
        clientId: taken.clientId,
        redirectUri: taken.redirectUri,
        scope: taken.scope,
        resource: taken.resource,
        codeChallenge: taken.codeChallenge,
        ...(taken.nonce === undefined ? {} : { nonce: taken.nonce }),
        authTime: Math.floor(Date.now() / 1000),
        userId: outcome.user.id,
      },
      config.MCP_AUTH_CODE_TTL_SECONDS,
    );
    clearCookie(c);
    completed('allowed', outcome.user.id);
    return redirectTo(c, taken.redirectUri, { code, state: taken.state }, 303);
  });
}
