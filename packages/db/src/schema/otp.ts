import { sql } from 'drizzle-orm';
import { char, check, index, integer, pgTable, serial, varchar } from 'drizzle-orm/pg-core';
import { timestamps, timestamptz } from './columns';

/** Values of `otp_codes.purpose`. */
export const OTP_PURPOSES = ['registration', 'password_reset'] as const;
export type OtpPurpose = (typeof OTP_PURPOSES)[number];

export const otpCodes = pgTable(
  'otp_codes',
  {
    id: serial('id').primaryKey(),
    email: varchar('email', { length: 255 }).notNull(),
    codeHash: char('code_hash', { length: 64 }).notNull(),
    purpose: varchar('purpose', { length: 20 }).$type<OtpPurpose>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamptz('expires_at').notNull(),
    usedAt: timestamptz('used_at'),
    requesterIp: varchar('requester_ip', { length: 45 }),
    ...timestamps(),
  },
  (t) => [
    index('otp_codes_email_purpose_idx').on(t.email, t.purpose),
    index('otp_codes_email_purpose_used_at_idx').on(t.email, t.purpose, t.usedAt),
    index('otp_codes_requester_ip_created_at_idx').on(t.requesterIp, t.createdAt),
    check('otp_codes_purpose_check', sql`${t.purpose} IN ('registration', 'password_reset')`),
  ],
);

export type OtpCode = typeof otpCodes.$inferSelect;
export type NewOtpCode = typeof otpCodes.$inferInsert;
