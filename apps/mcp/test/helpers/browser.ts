/** What a browser sees of the consent page: the page, the form's fields and the cookie it was given. */
export interface ConsentPage {
  status: number;
  headers: Headers;
  html: string;
  requestId: string;
  action: string;
  cookie: string;
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Opens the authorization URL like a browser would and reads the form out of the page. */
export async function openConsentPage(authorizationUrl: string | URL): Promise<ConsentPage> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  const html = await response.text();
  const requestId = /<input type="hidden" name="request_id" value="([^"]*)">/.exec(html)?.[1];
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (!requestId || !action) {
    throw new Error(`no sign-in form (status ${response.status}): ${html.slice(0, 300)}`);
  }
  return {
    status: response.status,
    headers: response.headers,
    html,
    requestId: decodeEntities(requestId),
    action: new URL(decodeEntities(action), authorizationUrl).href,
    cookie,
  };
}

export interface FormAnswer {
  status: number;
  location: string | null;
  html: string;
  headers: Headers;
}

/** Submits the sign-in form (button `decision`), with the page's cookie, without following the redirect. */
export async function submitConsent(
  page: Pick<ConsentPage, 'action' | 'requestId' | 'cookie'>,
  fields: { login?: string; password?: string; decision: 'allow' | 'deny' },
): Promise<FormAnswer> {
  const body = new URLSearchParams({
    request_id: page.requestId,
    login: fields.login ?? '',
    password: fields.password ?? '',
    decision: fields.decision,
  });
  const response = await fetch(page.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: page.cookie },
    body,
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    html: await response.text(),
    headers: response.headers,
  };
}

/** Signs in and allows: resolves to the redirect back to the client (carrying `code`, `state` and `iss`). */
export async function authorizeInBrowser(
  authorizationUrl: string | URL,
  login: string,
  password: string,
): Promise<URL> {
  const page = await openConsentPage(authorizationUrl);
  const answer = await submitConsent(page, { login, password, decision: 'allow' });
  if (answer.status !== 303 || !answer.location) {
    throw new Error(`sign-in failed (${answer.status}): ${answer.html.slice(0, 500)}`);
  }
  return new URL(answer.location);
}
