import { eq, users } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailMessage, EmailSender } from '../src/email/sender';
import { createCapturingEmailSender, createTestBackend, type TestBackend } from './harness';

interface AuthJson {
  user: { id: number; email: string; is_email_verified: boolean; last_login_at: string | null };
  access_token: string | null;
  refresh_token: string | null;
  token_type: string;
  requires_email_verification?: boolean;
}

const sender = createCapturingEmailSender();
let backend: TestBackend;
let seq = 0;

beforeAll(async () => {
  backend = await createTestBackend({}, { email: sender });
});
afterAll(async () => {
  await backend.close();
});

function newAccount() {
  seq += 1;
  const name = `mail${Date.now().toString(36)}${seq}`;
  return { username: name, email: `${name}@example.com`, full_name: 'Mail User', password: 'first-pass-1' };
}

/** A distinct client IP per call site, so the per-IP OTP limit only bites where a test wants it to. */
function fromIp(n: number) {
  return { 'X-Real-IP': `198.51.100.${n}` };
}

const mailsTo = (to: string) => sender.sent.filter((m) => m.to === to);

async function waitForMails(to: string, count: number): Promise<EmailMessage[]> {
  await expect.poll(() => mailsTo(to).length).toBe(count);
  return mailsTo(to);
}

async function expectNoNewMail(to: string, count: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(mailsTo(to)).toHaveLength(count);
}

function codeIn(message: EmailMessage | undefined): string {
  const code = /\b(\d{6})\b/.exec(message?.text ?? '')?.[1];
  if (!code) throw new Error(`no code in ${message?.text}`);
  return code;
}

function otherCode(code: string): string {
  return code === '123456' ? '654321' : '123456';
}

async function registerUnverified(headers = fromIp(1)) {
  const account = newAccount();
  const res = await backend.api<AuthJson>('POST', '/api/v1/auth/register', { json: account, headers });
  expect(res.status).toBe(201);
  const [mail] = await waitForMails(account.email, 1);
  return { account, res, code: codeIn(mail) };
}

const verify = (email: string, code: string) =>
  backend.api<AuthJson>('POST', '/api/v1/auth/register/verify-otp', { json: { email, code } });
const login = (username: string, password: string) =>
  backend.api<AuthJson>('POST', '/api/v1/auth/login', { form: { username, password } });

function expectOtpError(
  res: { status: number; body: unknown },
  status: number,
  code: string,
  message: string,
) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ detail: { code, message }, message });
}

describe('with an e-mail sender', () => {
  it('reports every e-mail feature on', async () => {
    const res = await backend.api('GET', '/api/v1/auth/config');
    expect(res.body).toEqual({
      require_email_verification: true,
      smtp_configured: true,
      password_reset_enabled: true,
    });
  });

  it('registers without tokens, mails a code, and refuses sign-in until the address is verified', async () => {
    const { account, res, code } = await registerUnverified();
    expect(res.body).toMatchObject({
      access_token: null,
      refresh_token: null,
      token_type: 'bearer',
      requires_email_verification: true,
    });
    expect(res.body.user.is_email_verified).toBe(false);
    expect(res.body.user.last_login_at).toBeNull();
    expect(code).toMatch(/^[1-9]\d{5}$/);

    const wrongPassword = await login(account.username, 'not-the-pass-1');
    expect(wrongPassword.status).toBe(401);
    const unverified = await login(account.username, account.password);
    expect(unverified.status).toBe(403);
    expect(unverified.body).toEqual({
      detail: { code: 'EMAIL_NOT_VERIFIED', message: 'Please verify your email address before signing in.' },
      message: 'Please verify your email address before signing in.',
    });
  });

  it('verifies with the code: a session starts, last_login_at is stamped, the code is spent', async () => {
    const { account, code } = await registerUnverified();
    expectOtpError(
      await verify(account.email, otherCode(code)),
      400,
      'INVALID_OTP',
      'Invalid verification code',
    );

    const ok = await verify(account.email.toUpperCase(), code);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body).sort()).toEqual(['access_token', 'refresh_token', 'token_type', 'user']);
    expect(ok.body.user.is_email_verified).toBe(true);
    expect(ok.body.user.last_login_at).not.toBeNull();
    const me = await backend.api('GET', '/api/v1/auth/me', { token: ok.body.access_token ?? '' });
    expect(me.status).toBe(200);
    expect(
      (await backend.api('POST', '/api/v1/auth/refresh', { json: { refresh_token: ok.body.refresh_token } }))
        .status,
    ).toBe(200);

    expectOtpError(
      await verify(account.email, code),
      400,
      'INVALID_OTP',
      'No active verification code found',
    );
    expect((await login(account.username, account.password)).status).toBe(200);
  });

  it('answers "No active verification code found" for an address without a code', async () => {
    expectOtpError(
      await verify('nobody-here@example.com', '123456'),
      400,
      'INVALID_OTP',
      'No active verification code found',
    );
  });

  it('counts attempts: the guess that uses up the last one, and every later one, is 429 OTP_MAX_ATTEMPTS', async () => {
    const { account, code } = await registerUnverified();
    const wrong = otherCode(code);
    for (let attempt = 1; attempt < 5; attempt++) {
      expectOtpError(await verify(account.email, wrong), 400, 'INVALID_OTP', 'Invalid verification code');
    }
    const maxed = {
      code: 'OTP_MAX_ATTEMPTS',
      message: 'Too many verification attempts. Please request a new code.',
    };
    expectOtpError(await verify(account.email, wrong), 429, maxed.code, maxed.message);
    expectOtpError(await verify(account.email, code), 429, maxed.code, maxed.message);

    const resent = await backend.api('POST', '/api/v1/auth/register/resend-otp', {
      json: { email: account.email },
      headers: fromIp(2),
    });
    expect(resent.status).toBe(200);
    const [, fresh] = await waitForMails(account.email, 2);
    expect((await verify(account.email, codeIn(fresh))).status).toBe(200);
  });

  it('validates verify-otp bodies', async () => {
    for (const json of [
      {},
      { email: 'a@example.com' },
      { email: 'a@example.com', code: '12345' },
      { email: 'x', code: '123456' },
      { email: 'a@example.com', code: 123456 },
    ]) {
      const res = await backend.api('POST', '/api/v1/auth/register/verify-otp', { json });
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(res.text).not.toContain('12345');
    }
  });

  it('refuses a deactivated account with 401 and keeps its code unused', async () => {
    const { account, res, code } = await registerUnverified();
    await backend.deps.db.update(users).set({ isActive: false }).where(eq(users.id, res.body.user.id));
    const denied = await verify(account.email, code);
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual({ detail: 'Account is deactivated' });
    await backend.deps.db.update(users).set({ isActive: true }).where(eq(users.id, res.body.user.id));
    expect((await verify(account.email, code)).status).toBe(200);
  });

  describe('resend-otp', () => {
    const resend = (email: string, ip: number) =>
      backend.api('POST', '/api/v1/auth/register/resend-otp', { json: { email }, headers: fromIp(ip) });
    const RESENT = { message: 'If the email is registered and unverified, a new code was sent.' };

    it('answers the same for unknown, verified and unverified addresses, mailing only the last', async () => {
      const unknown = await resend('ghost@example.com', 10);
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual(RESENT);
      await expectNoNewMail('ghost@example.com', 0);

      const { account, code } = await registerUnverified();
      const again = await resend(account.email, 11);
      expect(again.body).toEqual(RESENT);
      const [, second] = await waitForMails(account.email, 2);
      const newCode = codeIn(second);
      // The previous code was invalidated by the new one.
      if (newCode !== code) {
        expectOtpError(await verify(account.email, code), 400, 'INVALID_OTP', 'Invalid verification code');
      }
      expect((await verify(account.email, newCode)).status).toBe(200);

      expect((await resend(account.email, 12)).body).toEqual(RESENT);
      await expectNoNewMail(account.email, 2);
    });

    it('sends at most OTP_RATE_LIMIT_MAX_REQUESTS codes per address and window, still answering 200', async () => {
      const { account } = await registerUnverified(fromIp(20));
      expect((await resend(account.email, 21)).status).toBe(200);
      expect((await resend(account.email, 22)).status).toBe(200);
      await waitForMails(account.email, 3);
      const limited = await resend(account.email, 23);
      expect(limited.status).toBe(200);
      expect(limited.body).toEqual(RESENT);
      await expectNoNewMail(account.email, 3);
    });
  });

  describe('password reset', () => {
    const request = (email: string, ip = 30) =>
      backend.api('POST', '/api/v1/auth/password-reset/request', { json: { email }, headers: fromIp(ip) });
    const confirm = (json: Record<string, unknown>) =>
      backend.api('POST', '/api/v1/auth/password-reset/confirm', { json });
    const REQUESTED = { message: 'If the email is registered, a reset code was sent.' };

    it('answers the same for unknown and deactivated addresses without mailing them', async () => {
      const unknown = await request('ghost-reset@example.com');
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual(REQUESTED);
      await expectNoNewMail('ghost-reset@example.com', 0);

      const { account, res } = await registerUnverified(fromIp(31));
      await backend.deps.db.update(users).set({ isActive: false }).where(eq(users.id, res.body.user.id));
      expect((await request(account.email)).body).toEqual(REQUESTED);
      await expectNoNewMail(account.email, 1);
    });

    it('resets with the code, verifies the address and revokes every session', async () => {
      const { account, code } = await registerUnverified(fromIp(32));
      const session = await verify(account.email, code);
      const second = await login(account.username, account.password);
      expect(second.status).toBe(200);

      expect((await request(account.email.toUpperCase())).body).toEqual(REQUESTED);
      const [, resetMail] = await waitForMails(account.email, 2);
      expect(resetMail?.subject).toMatch(/password/i);
      const resetCode = codeIn(resetMail);

      expectOtpError(
        await confirm({ email: account.email, code: otherCode(resetCode), new_password: 'second-pass-2' }),
        400,
        'INVALID_OTP',
        'Invalid verification code',
      );
      const weak = await confirm({ email: account.email, code: resetCode, new_password: 'short' });
      expect(weak.status).toBe(422);
      expect(weak.text).not.toContain(resetCode);

      const done = await confirm({ email: account.email, code: resetCode, new_password: 'second-pass-2' });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ message: 'Password has been reset successfully.' });

      for (const token of [session.body.access_token, second.body.access_token]) {
        expect((await backend.api('GET', '/api/v1/auth/me', { token: token ?? '' })).status).toBe(401);
      }
      const oldRefresh = await backend.api('POST', '/api/v1/auth/refresh', {
        json: { refresh_token: session.body.refresh_token },
      });
      expect(oldRefresh.body).toEqual({ detail: 'Session has been revoked' });
      expect((await login(account.username, account.password)).status).toBe(401);
      expect((await login(account.username, 'second-pass-2')).status).toBe(200);
      expectOtpError(
        await confirm({ email: account.email, code: resetCode, new_password: 'third-pass-3' }),
        400,
        'INVALID_OTP',
        'No active verification code found',
      );
    });

    it('marks an unverified address verified, and keeps registration and reset codes apart', async () => {
      const { account, code } = await registerUnverified(fromIp(33));
      expectOtpError(
        await confirm({ email: account.email, code, new_password: 'second-pass-2' }),
        400,
        'INVALID_OTP',
        'No active verification code found',
      );
      await request(account.email, 34);
      const [, resetMail] = await waitForMails(account.email, 2);
      expect(
        (await confirm({ email: account.email, code: codeIn(resetMail), new_password: 'second-pass-2' }))
          .status,
      ).toBe(200);
      const signedIn = await login(account.username, 'second-pass-2');
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.user.is_email_verified).toBe(true);
    });
  });
});

describe('OTP limits and delivery', () => {
  it('still creates the user when the per-IP limit is reached, and mails nothing more from that IP', async () => {
    const limited = await createTestBackend(
      { OTP_IP_RATE_LIMIT_MAX_REQUESTS: '2' },
      { email: sender, database: backend.database },
    );
    try {
      const accounts = [newAccount(), newAccount(), newAccount()];
      for (const account of accounts) {
        const res = await limited.api('POST', '/api/v1/auth/register', {
          json: account,
          headers: fromIp(40),
        });
        expect(res.status).toBe(201);
      }
      const third = accounts[2]?.email ?? '';
      await waitForMails(accounts[1]?.email ?? '', 1);
      await expectNoNewMail(third, 0);
      const sameIp = await limited.api('POST', '/api/v1/auth/register/resend-otp', {
        json: { email: third },
        headers: fromIp(40),
      });
      expect(sameIp.status).toBe(200);
      await expectNoNewMail(third, 0);
      await limited.api('POST', '/api/v1/auth/register/resend-otp', {
        json: { email: third },
        headers: fromIp(41),
      });
      await waitForMails(third, 1);
    } finally {
      await limited.close();
    }
  });

  it('retries a failing delivery in the background without holding up the response', async () => {
    const calls: EmailMessage[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const flaky: EmailSender = {
      kind: 'log',
      async send(message) {
        calls.push(message);
        await gate;
        if (calls.length < 3) throw new Error('mail server down');
      },
    };
    const retrying = await createTestBackend(
      { OTP_EMAIL_MAX_RETRIES: '3', OTP_EMAIL_RETRY_DELAY_SECONDS: '0' },
      { email: flaky, database: backend.database },
    );
    try {
      const account = newAccount();
      // The first send is still pending (gated) when the response arrives.
      const res = await retrying.api('POST', '/api/v1/auth/register', { json: account, headers: fromIp(50) });
      expect(res.status).toBe(201);
      expect(calls).toHaveLength(1);
      release();
      await expect.poll(() => calls.length).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(calls).toHaveLength(3);
      expect(new Set(calls.map((m) => codeIn(m))).size).toBe(1);
    } finally {
      await retrying.close();
    }
  });
});
