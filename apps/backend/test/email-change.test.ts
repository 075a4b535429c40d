import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailMessage } from '../src/email/sender';
import { createCapturingEmailSender, createTestBackend, type TestBackend } from './harness';
import { createAccount, createAdmin, createPat } from './users-fixtures';

// Issue 19 defect 6: a write-scope API token or a stolen access token could move an account to another address
// (still "verified"), and a password reset sent there took the account over while the old API tokens kept working.

interface UserBody {
  id: number;
  email: string;
  is_email_verified: boolean;
  email_verified_at: string | null;
}

const PASSWORD = 'correct-horse-1';
const sender = createCapturingEmailSender();
let plain: TestBackend;
let mailing: TestBackend;

beforeAll(async () => {
  [plain, mailing] = await Promise.all([createTestBackend(), createTestBackend({}, { email: sender })]);
});
afterAll(async () => {
  await Promise.all([plain.close(), mailing.close()]);
});

let seq = 0;
function freshAddress(): string {
  seq += 1;
  return `moved${Date.now().toString(36)}${seq}@example.com`;
}

async function accountWithPassword(backend: TestBackend) {
  return createAccount(backend, {
    passwordHash: await backend.deps.passwords.hash(PASSWORD),
    emailVerifiedAt: new Date(),
  });
}

const mailsTo = (to: string) => sender.sent.filter((m) => m.to === to);

async function waitForMail(to: string): Promise<EmailMessage> {
  await expect.poll(() => mailsTo(to).length).toBeGreaterThan(0);
  return mailsTo(to).at(-1) as EmailMessage;
}

function codeIn(message: EmailMessage): string {
  const code = /\b(\d{6})\b/.exec(message.text)?.[1];
  if (!code) throw new Error(`no code in ${message.text}`);
  return code;
}

describe('changing the e-mail address', () => {
  it('is refused for API tokens of every scope, on /users/me and /users/{id}', async () => {
    const { user } = await accountWithPassword(plain);
    for (const scopes of [['write'], ['full']] as const) {
      const pat = await createPat(plain, user.id, [...scopes]);
      for (const path of ['/api/v1/users/me', `/api/v1/users/${user.id}`]) {
        const res = await plain.api('PUT', path, {
          token: pat,
          json: { email: freshAddress(), current_password: PASSWORD },
        });
        expect(res.status).toBe(403);
        expect(res.body).toEqual({
          detail: {
            code: 'PERMISSION_DENIED',
            message:
              'An API token cannot change the e-mail address. Sign in and confirm the change with your current password.',
          },
          message:
            'An API token cannot change the e-mail address. Sign in and confirm the change with your current password.',
        });
      }
      // Other fields still change with the token.
      const bio = await plain.api<UserBody>('PUT', '/api/v1/users/me', { token: pat, json: { bio: 'x' } });
      expect(bio.status).toBe(200);
    }
    const me = await plain.api<UserBody>('GET', '/api/v1/users/me', {
      token: await createPat(plain, user.id, ['read']),
    });
    expect(me.body.email).toBe(user.email);
  });

  it('needs the current password with a session: missing 422, wrong 400, nothing changed', async () => {
    const { user, token } = await accountWithPassword(plain);
    const missing = await plain.api('PUT', '/api/v1/users/me', { token, json: { email: freshAddress() } });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({
      detail: [
        {
          type: 'missing',
          loc: ['body', 'current_password'],
          msg: 'The current password is required to change the e-mail address',
        },
      ],
    });
    const wrong = await plain.api('PUT', '/api/v1/users/me', {
      token,
      json: { email: freshAddress(), current_password: 'wrong-pass-9', bio: 'changed' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ detail: 'Current password is incorrect' });
    expect(JSON.stringify(wrong.body)).not.toContain('wrong-pass-9');
    const me = await plain.api<UserBody & { bio: string | null }>('GET', '/api/v1/users/me', { token });
    expect(me.body).toMatchObject({ email: user.email, bio: null });
  });

  it('re-sending the unchanged address needs no password (clients send their whole update model)', async () => {
    const { user, token } = await accountWithPassword(plain);
    const pat = await createPat(plain, user.id, ['write']);
    for (const credential of [token, pat]) {
      const res = await plain.api<UserBody>('PUT', '/api/v1/users/me', {
        token: credential,
        json: { email: user.email.toUpperCase(), full_name: 'Same Address' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ email: user.email, is_email_verified: true });
      expect(res.body.email_verified_at).not.toBeNull();
    }
  });

  it('without an e-mail sender: changes with the password, and the new address is no longer proven', async () => {
    const { token } = await accountWithPassword(plain);
    const next = freshAddress();
    const res = await plain.api<UserBody>('PUT', '/api/v1/users/me', {
      token,
      json: { email: next, current_password: PASSWORD },
    });
    expect(res.status).toBe(200);
    // is_email_verified keeps the contract's "no sender → verified" meaning; email_verified_at says no proof.
    expect(res.body).toMatchObject({ email: next, is_email_verified: true, email_verified_at: null });
  });

  it('an admin changing another user needs the admin’s own password and cannot use an API token', async () => {
    const admin = await createAdmin(plain, { passwordHash: await plain.deps.passwords.hash('admin-pass-2') });
    const target = await accountWithPassword(plain);
    const path = `/api/v1/users/${target.user.id}`;
    const withTargetsPassword = await plain.api('PUT', path, {
      token: admin.token,
      json: { email: freshAddress(), current_password: PASSWORD },
    });
    expect(withTargetsPassword.status).toBe(400);
    const next = freshAddress();
    const ok = await plain.api<UserBody>('PUT', path, {
      token: admin.token,
      json: { email: next, current_password: 'admin-pass-2' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: target.user.id, email: next, email_verified_at: null });
    const byToken = await plain.api('PUT', path, {
      token: await createPat(plain, admin.user.id, ['full']),
      json: { email: freshAddress(), current_password: 'admin-pass-2' },
    });
    expect(byToken.status).toBe(403);
  });

  it('with an e-mail sender: unverified until the code sent to the new address is entered; the old one is told', async () => {
    const { user, token } = await accountWithPassword(mailing);
    const next = freshAddress();
    const res = await mailing.api<UserBody>('PUT', '/api/v1/users/me', {
      token,
      json: { email: next, current_password: PASSWORD },
      headers: { 'X-Real-IP': '198.51.100.77' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: next, is_email_verified: false, email_verified_at: null });

    const notice = await waitForMail(user.email);
    expect(notice.subject).toBe('The e-mail address of your SyftHub account was changed');
    expect(notice.text).toContain(user.username);
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    const code = codeIn(await waitForMail(next));

    // Until verified, a password sign-in is refused as for any unverified account (§5.3).
    const login = await mailing.api('POST', '/api/v1/auth/login', {
      form: { username: user.username, password: PASSWORD },
    });
    expect(login.status).toBe(403);
    expect(login.body).toMatchObject({ detail: { code: 'EMAIL_NOT_VERIFIED' } });

    const verified = await mailing.api<{ user: UserBody }>('POST', '/api/v1/auth/register/verify-otp', {
      json: { email: next, code },
    });
    expect(verified.status).toBe(200);
    expect(verified.body.user).toMatchObject({ email: next, is_email_verified: true });
    expect(verified.body.user.email_verified_at).not.toBeNull();
    const again = await mailing.api('POST', '/api/v1/auth/login', {
      form: { username: user.username, password: PASSWORD },
    });
    expect(again.status).toBe(200);
  });
});

describe('password reset', () => {
  it('revokes every API token of the user as well as every session', async () => {
    const { user, token } = await accountWithPassword(mailing);
    const pat = await createPat(mailing, user.id, ['full']);
    expect((await mailing.api('GET', '/api/v1/auth/me', { token: pat })).status).toBe(200);
    const requested = await mailing.api('POST', '/api/v1/auth/password-reset/request', {
      json: { email: user.email },
      headers: { 'X-Real-IP': '198.51.100.78' },
    });
    expect(requested.status).toBe(200);
    const code = codeIn(await waitForMail(user.email));
    const confirmed = await mailing.api('POST', '/api/v1/auth/password-reset/confirm', {
      json: { email: user.email, code, new_password: 'brand-new-pass-3' },
    });
    expect(confirmed.status).toBe(200);
    const byPat = await mailing.api('GET', '/api/v1/auth/me', { token: pat });
    expect(byPat.status).toBe(401);
    expect(byPat.body).toEqual({ detail: 'API token has been revoked' });
    expect((await mailing.api('GET', '/api/v1/auth/me', { token })).status).toBe(401);
    const login = await mailing.api<{ user: UserBody }>('POST', '/api/v1/auth/login', {
      form: { username: user.username, password: 'brand-new-pass-3' },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.email_verified_at).not.toBeNull();
  });
});
