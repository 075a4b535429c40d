import { escapeHtml } from '@syfthub/service';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { PublicUrls } from '../urls';
import type { ConsentDisplay } from './pending';

/**
 * The login + consent page (mcp.md §4.4): server-rendered, no JavaScript, every dynamic value escaped. Its CSP
 * deliberately has no `form-action`: the form's answer redirects to the client, which that directive would block.
 */
export const PAGE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

const PAGE_HEADERS = {
  'Content-Security-Policy': PAGE_CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
};

/** An error shown in the page's alert area, optionally with one link (e.g. to finish e-mail verification). */
export interface PageMessage {
  text: string;
  link?: { href: string; label: string };
}

export interface ConsentPageInput {
  requestId: string;
  display: ConsentDisplay;
  scope: string;
  loginHint?: string | undefined;
  message?: PageMessage | undefined;
}

function layout(urls: PublicUrls, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${escapeHtml(`${urls.staticPath}/login.css`)}">
</head>
<body>
<main class="card">
<img class="logo" src="${escapeHtml(`${urls.staticPath}/logo.svg`)}" alt="SyftHub" width="48" height="48">
${body}
</main>
</body>
</html>
`;
}

function renderMessage(message: PageMessage | undefined): string {
  if (!message) return '<div class="alert" role="alert"></div>';
  const link = message.link
    ? ` <a href="${escapeHtml(message.link.href)}">${escapeHtml(message.link.label)}</a>`
    : '';
  return `<div class="alert alert-shown" role="alert"><p>${escapeHtml(message.text)}${link}</p></div>`;
}

function renderConsent(urls: PublicUrls, input: ConsentPageInput): string {
  const { display } = input;
  const clientName = display.clientName?.trim() ? display.clientName : 'An application';
  const cimdLine =
    display.clientIdHost === null
      ? ''
      : `<p class="detail">Application identity published by <strong>${escapeHtml(display.clientIdHost)}</strong>.</p>`;
  return layout(
    urls,
    'Sign in to SyftHub',
    `<h1>Sign in to SyftHub</h1>
<p class="lead"><strong>${escapeHtml(clientName)}</strong> wants to use your SyftHub account.</p>
<p class="detail">After you sign in you will be sent back to <strong>${escapeHtml(display.redirectHost)}</strong>.</p>
${cimdLine}
<section class="grants" aria-labelledby="grants-title">
<h2 id="grants-title">If you allow it, this application can</h2>
<ul>
<li>see your name and e-mail address;</li>
<li>find endpoints, read their descriptions, retrieve documents and chat with models on SyftHub on your behalf.</li>
</ul>
<p class="scopes">Permissions requested: <code>${escapeHtml(input.scope)}</code></p>
</section>
${renderMessage(input.message)}
<form method="post" action="${escapeHtml(urls.authorizePath)}">
<input type="hidden" name="request_id" value="${escapeHtml(input.requestId)}">
<label for="login">E-mail or username</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="255" required value="${escapeHtml(input.loginHint ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" maxlength="256" required>
<div class="actions">
<button type="submit" name="decision" value="allow" class="primary">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button>
</div>
</form>
<p class="links"><a href="${escapeHtml(urls.hubRegister)}">Create an account</a><span aria-hidden="true"> · </span><a href="${escapeHtml(urls.hubReset)}">Forgot password?</a></p>`,
  );
}

/** The login + consent page, with `Set-Cookie` (or other headers) from the caller. */
export function consentPage(
  c: Context,
  urls: PublicUrls,
  status: ContentfulStatusCode,
  input: ConsentPageInput,
  headers: Record<string, string> = {},
): Response {
  return c.html(renderConsent(urls, input), status, { ...PAGE_HEADERS, ...headers });
}

/** An HTML error page: used whenever redirecting to the client is not (yet) safe. */
export function errorPage(
  c: Context,
  urls: PublicUrls,
  status: ContentfulStatusCode,
  message: string,
): Response {
  const body = `<h1>This sign-in request cannot continue</h1>
<div class="alert alert-shown" role="alert"><p>${escapeHtml(message)}</p></div>
<p class="detail">Return to the application you came from and start again.</p>`;
  return c.html(layout(urls, 'Sign-in request problem', body), status, PAGE_HEADERS);
}
