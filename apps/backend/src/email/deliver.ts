import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@syfthub/service';
import type { BackendConfig } from '../env';
import type { EmailMessage, EmailSender } from './sender';

/**
 * Sends `message` best-effort: `OTP_EMAIL_MAX_RETRIES` retries with a linear back-off of
 * `OTP_EMAIL_RETRY_DELAY_SECONDS` × attempt; failures are logged (as `<event>.failed` / `<event>.gave_up`), never
 * thrown, because callers have already answered the request.
 */
export async function deliverWithRetries(
  sender: EmailSender,
  message: EmailMessage,
  context: { config: BackendConfig; logger: Logger; event: string; fields?: Record<string, unknown> },
): Promise<void> {
  const { config, logger, event, fields } = context;
  const tries = 1 + config.OTP_EMAIL_MAX_RETRIES;
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      await sender.send(message);
      return;
    } catch (err) {
      logger.warn({ event: `${event}.failed`, ...fields, attempt, err });
      if (attempt < tries) await sleep(config.OTP_EMAIL_RETRY_DELAY_SECONDS * attempt * 1000);
    }
  }
  logger.error({ event: `${event}.gave_up`, ...fields, tries });
}
