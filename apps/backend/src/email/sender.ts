import type { Logger } from '@syfthub/service';
import nodemailer from 'nodemailer';
import type { BackendConfig } from '../env';

/** One outgoing e-mail. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Delivers e-mail; `kind` says which transport (for logs and /auth/config). */
export interface EmailSender {
  kind: 'smtp' | 'resend' | 'log';
  send(message: EmailMessage): Promise<void>;
}

function from(config: BackendConfig): string {
  return `"${config.SMTP_FROM_NAME.replace(/"/g, '')}" <${config.SMTP_FROM_EMAIL}>`;
}

function smtpSender(config: BackendConfig): EmailSender {
  const transport = nodemailer.createTransport({
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    kind: 'smtp',
    async send(message) {
      await transport.sendMail({ from: from(config), ...message });
    },
  };
}

function resendSender(config: BackendConfig): EmailSender {
  return {
    kind: 'resend',
    async send(message) {
      const response = await fetch('https://api.resend.com/emails', {
        method: 'POST',
        headers: { Authorization: `Bearer ${config.RESEND_API_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ from: from(config), ...message }),
        signal: AbortSignal.timeout(15_000),
      });
      if (!response.ok) throw new Error(`Resend answered HTTP ${response.status}`);
    },
  };
}

// Development only (refused in production): the message, codes included, goes to the log so a developer can
// complete sign-up without a mail server.
function logSender(logger: Logger): EmailSender {
  return {
    kind: 'log',
    async send(message) {
      logger.info({ event: 'email.logged', to: message.to, subject: message.subject, body: message.text });
    },
  };
}

/** The configured sender (backend-api.md §18 EMAIL_SENDER), or null when e-mail is not configured. */
export function createEmailSender(config: BackendConfig, logger: Logger): EmailSender | null {
  const choice =
    config.EMAIL_SENDER === 'auto'
      ? config.RESEND_API_KEY
        ? 'resend'
        : config.SMTP_HOST
          ? 'smtp'
          : 'none'
      : config.EMAIL_SENDER;
  switch (choice) {
    case 'smtp':
      return smtpSender(config);
    case 'resend':
      return resendSender(config);
    case 'log':
      return logSender(logger);
    default:
      return null;
  }
}
