import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

// Issue 19 defect 11: a connect URL such as `https://victim/any/path?x=` or one ending in `#` made the invocation
// proxy and the aggregator POST to an arbitrary path (the appended query path landed in the query or fragment).

let backend: TestBackend;
let token: string;
let username: string;

beforeAll(async () => {
  backend = await createTestBackend();
  const user = await backend.registerUser();
  ({ access_token: token } = user);
  username = user.user.username;
});
afterAll(async () => {
  await backend.close();
});

const BAD_URLS: Array<[string, string]> = [
  ['https://victim.example/any/path?x=', 'must not contain a query (?)'],
  ['https://victim.example/any/path#', 'must not contain a fragment (#)'],
  ['https://user:secret@victim.example', 'must not contain credentials (user@)'],
  ['ftp://files.example', 'must use http, https, ws, wss'],
  ['/relative/path?x=', 'must not contain a query (?)'],
  ['relative#frag', 'must not contain a fragment (#)'],
];

const connection = (url: string) => ({ type: 'http', config: { url } });

function expectUrlError(
  res: { status: number; body: unknown },
  loc: Array<string | number>,
  problem: string,
) {
  expect(res.status).toBe(422);
  expect(res.body).toMatchObject({
    detail: [{ type: 'value_error', loc, msg: `Value error, Connection URL ${problem}` }],
  });
}

describe('connection URLs', () => {
  it.each(BAD_URLS)('create refuses %s with 422 naming the field', async (url, problem) => {
    const res = await backend.api('POST', '/api/v1/endpoints', {
      token,
      json: { name: 'Relay', type: 'model', connect: [connection('https://ok.example'), connection(url)] },
    });
    expectUrlError(res, ['body', 'connect', 1, 'config', 'url'], problem);
  });

  it('update and sync refuse them too, and config.path is held to the same rule', async () => {
    const made = await backend.api<{ id: number }>('POST', '/api/v1/endpoints', {
      token,
      json: { name: 'Fine', type: 'model', connect: [connection('https://ok.example/base')] },
    });
    expect(made.status).toBe(201);
    const update = await backend.api('PATCH', `/api/v1/endpoints/${made.body.id}`, {
      token,
      json: { connect: [connection('https://victim.example/x?y=')] },
    });
    expectUrlError(update, ['body', 'connect', 0, 'config', 'url'], 'must not contain a query (?)');
    const sync = await backend.api('POST', '/api/v1/endpoints/sync', {
      token,
      json: {
        endpoints: [{ name: 'Synced', type: 'model', connect: [connection('https://victim.example#')] }],
      },
    });
    expectUrlError(
      sync,
      ['body', 'endpoints', 0, 'connect', 0, 'config', 'url'],
      'must not contain a fragment (#)',
    );
    const path = await backend.api('POST', '/api/v1/endpoints', {
      token,
      json: { name: 'Path', type: 'model', connect: [{ type: 'http', config: { path: '/p?x=' } }] },
    });
    expectUrlError(path, ['body', 'connect', 0, 'config', 'path'], 'must not contain a query (?)');
  });

  it('keeps what the contract allows: empty, relative paths, tunneling:, http(s) and ws(s) base URLs', async () => {
    const res = await backend.api<{ connect: Array<{ config: { url: string } }> }>(
      'POST',
      '/api/v1/endpoints',
      {
        token,
        json: {
          name: 'Allowed',
          type: 'model',
          connect: [
            '',
            '/api/sub',
            `tunneling:${username}`,
            'https://sat.example:8443/base/',
            'wss://stream.example',
          ].map(connection),
        },
      },
    );
    expect(res.status).toBe(201);
    expect(res.body.connect.map((c) => c.config.url)).toContain('https://sat.example:8443/base/');
  });
});

describe('domains', () => {
  it.each([
    ['https://sat.example/?x=', 'Domain must not contain a query (?)'],
    ['https://sat.example#', 'Domain must not contain a fragment (#)'],
    ['https://user@sat.example', 'Domain must not contain credentials (user@)'],
  ])('profile update and health reports refuse %s', async (domain, message) => {
    const profile = await backend.api('PUT', '/api/v1/users/me', { token, json: { domain } });
    expect(profile.status).toBe(422);
    expect(profile.body).toMatchObject({
      detail: [{ loc: ['body', 'domain'], msg: `Value error, ${message}` }],
    });
    const report = await backend.api('POST', '/api/v1/endpoints/health', {
      token,
      json: {
        url: domain,
        endpoints: [{ slug: 'any-slug', status: 'healthy', checked_at: new Date().toISOString() }],
      },
    });
    expect(report.status).toBe(422);
    expect(report.body).toMatchObject({ detail: [{ loc: ['body', 'url'] }] });
  });

  it('still reduces an http URL with a path to scheme://host[:port]', async () => {
    const res = await backend.api<{ domain: string }>('PUT', '/api/v1/users/me', {
      token,
      json: { domain: 'https://Sat.Example:8443/some/path/' },
    });
    expect(res.status).toBe(200);
    expect(res.body.domain).toBe('https://sat.example:8443');
  });
});
