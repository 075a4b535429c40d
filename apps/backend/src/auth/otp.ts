import { createHash, randomInt } from 'node:crypto';
import { timingSafeEqualHex } from '@syfthub/auth';
import { and, type Db, desc, eq, gt, isNull, lt, type OtpPurpose, otpCodes, sql, type Tx } from '@syfthub/db';
import { ApiError, checkRateLimit, rateLimitSubject } from '@syfthub/service';
import type { BackendDeps } from '../deps';
import { deliverWithRetries } from '../email/deliver';
import type { EmailMessage, EmailSender } from '../email/sender';

/** 400 `INVALID_OTP` with one of the §5.9 messages. */
export function invalidOtp(
  message:
    | 'No active verification code found'
    | 'Invalid verification code'
    | 'Invalid or expired verification code',
): ApiError {
  return new ApiError(400, { code: 'INVALID_OTP', message });
}

function maxAttempts(): ApiError {
  return new ApiError(429, {
    code: 'OTP_MAX_ATTEMPTS',
    message: 'Too many verification attempts. Please request a new code.',
  });
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** A code stored but not yet sent: the caller starts delivery once its transaction has committed. */
export interface PendingOtpDelivery {
  deliver(): void;
}

/** One-time codes for e-mail verification and password reset (backend-api.md §5.9, §5.10). */
export interface OtpService {
  /**
   * Stores a new code for `email` and `purpose` (invalidating older unused ones) unless the per-address or per-IP
   * limit is reached, in which case it resolves to null and nothing is stored.
   */
  issue(
    executor: Db | Tx,
    email: string,
    purpose: OtpPurpose,
    ip: string,
  ): Promise<PendingOtpDelivery | null>;
  /**
   * Counts one attempt against the newest active code and compares it; resolves to the code's id when it matches.
   * Throws the 400 INVALID_OTP / 429 OTP_MAX_ATTEMPTS errors.
   */
  check(email: string, purpose: OtpPurpose, code: string): Promise<number>;
  /** Consumes a checked code inside the caller's transaction; throws INVALID_OTP when it was used meanwhile. */
  markUsed(tx: Tx, id: number): Promise<void>;
}

function messageFor(purpose: OtpPurpose, code: string, expiryMinutes: number): Omit<EmailMessage, 'to'> {
  const validity = `The code expires in ${expiryMinutes} minutes.`;
  if (purpose === 'registration') {
    return {
      subject: 'Your SyftHub verification code',
      text: `Your SyftHub verification code is ${code}.\n\n${validity}\n\nIf you did not create an account, you can ignore this e-mail.`,
    };
  }
  return {
    subject: 'Your SyftHub password reset code',
    text: `Your SyftHub password reset code is ${code}.\n\n${validity}\n\nIf you did not ask to reset your password, you can ignore this e-mail; your password stays unchanged.`,
  };
}

export function createOtpService(
  deps: Pick<BackendDeps, 'db' | 'kv' | 'config' | 'logger'>,
  sender: EmailSender,
): OtpService {
  const { db, kv, config, logger } = deps;

  // Counters live under `ratelimit:` like the route buckets; the address is hashed so Redis holds no e-mails.
  async function withinLimits(email: string, purpose: OtpPurpose, ip: string): Promise<boolean> {
    try {
      const byIp = await checkRateLimit(
        kv,
        `ratelimit:otp-ip:${rateLimitSubject(ip)}`,
        config.OTP_IP_RATE_LIMIT_MAX_REQUESTS,
        config.OTP_IP_RATE_LIMIT_WINDOW_MINUTES * 60,
      );
      if (!byIp.allowed) return false;
      const byAddress = await checkRateLimit(
        kv,
        `ratelimit:otp-email:${purpose}:${sha256(email).slice(0, 32)}`,
        config.OTP_RATE_LIMIT_MAX_REQUESTS,
        config.OTP_RATE_LIMIT_WINDOW_MINUTES * 60,
      );
      return byAddress.allowed;
    } catch (err) {
      logger.warn({ event: 'otp.limit_unavailable', err });
      return config.RATE_LIMIT_FAIL_OPEN;
    }
  }

  return {
    async issue(executor, email, purpose, ip) {
      if (!(await withinLimits(email, purpose, ip))) {
        logger.info({ event: 'otp.limited', purpose, client_ip: ip });
        return null;
      }
      const code = String(randomInt(100_000, 1_000_000));
      const now = new Date();
      await executor
        .update(otpCodes)
        .set({ expiresAt: now, updatedAt: now })
        .where(
          and(
            eq(otpCodes.email, email),
            eq(otpCodes.purpose, purpose),
            isNull(otpCodes.usedAt),
            gt(otpCodes.expiresAt, now),
          ),
        );
      await executor.insert(otpCodes).values({
        email,
        purpose,
        codeHash: sha256(code),
        expiresAt: new Date(now.getTime() + config.OTP_EXPIRY_MINUTES * 60_000),
        requesterIp: ip.slice(0, 45),
      });
      const message = { to: email, ...messageFor(purpose, code, config.OTP_EXPIRY_MINUTES) };
      return {
        deliver: () => {
          void deliverWithRetries(sender, message, {
            config,
            logger,
            event: 'otp.email',
            fields: { purpose },
          });
        },
      };
    },

    async check(email, purpose, code) {
      const now = new Date();
      const [active] = await db
        .select()
        .from(otpCodes)
        .where(
          and(
            eq(otpCodes.email, email),
            eq(otpCodes.purpose, purpose),
            isNull(otpCodes.usedAt),
            gt(otpCodes.expiresAt, now),
          ),
        )
        .orderBy(desc(otpCodes.id))
        .limit(1);
      if (!active) throw invalidOtp('No active verification code found');
      const max = config.OTP_MAX_ATTEMPTS;
      if (active.attempts >= max) throw maxAttempts();
      // The attempt is committed before the comparison, so concurrent guesses cannot share one attempt.
      const [counted] = await db
        .update(otpCodes)
        .set({ attempts: sql`${otpCodes.attempts} + 1`, updatedAt: now })
        .where(and(eq(otpCodes.id, active.id), isNull(otpCodes.usedAt), lt(otpCodes.attempts, max)))
        .returning({ attempts: otpCodes.attempts });
      // No row: concurrent guesses used up the last attempts (or the code) between the read and this write.
      if (!counted) throw maxAttempts();
      if (!timingSafeEqualHex(sha256(code), active.codeHash)) {
        if (counted.attempts >= max) throw maxAttempts();
        throw invalidOtp('Invalid verification code');
      }
      return active.id;
    },

    async markUsed(tx, id) {
      const now = new Date();
      const [used] = await tx
        .update(otpCodes)
        .set({ usedAt: now, updatedAt: now })
        .where(and(eq(otpCodes.id, id), isNull(otpCodes.usedAt), gt(otpCodes.expiresAt, now)))
        .returning({ id: otpCodes.id });
      if (!used) throw invalidOtp('Invalid or expired verification code');
    },
  };
}
