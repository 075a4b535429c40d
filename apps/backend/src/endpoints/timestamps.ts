import { z } from 'zod';

const RFC3339ISH = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$/;
const HAS_ZONE = /([Zz]|[+-]\d{2}(:?\d{2})?)$/;

/** A timestamp input (README §2.2): RFC 3339 with any offset; without a zone it is read as UTC. */
export const timestampSchema = z
  .string()
  .trim()
  .max(64)
  .transform((value, ctx) => {
    const date = RFC3339ISH.test(value) ? new Date(HAS_ZONE.test(value) ? value : `${value}Z`) : null;
    if (!date || Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'Input should be a valid datetime' });
      return z.NEVER;
    }
    return date;
  });
