import { z } from 'zod';

// RFC 3339 / ISO 8601 date-time as the SDKs send it: `T` or space, optional seconds and fraction, optional zone.
const DATE_TIME =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:[Tt ](?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:[.,](?<fraction>\d{1,9}))?)?)?(?<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

function offsetMinutes(zone: string | undefined): number | null {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) return null;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** Parses a date-time input; a value without a zone is UTC (README §2.2). Null when it is not a valid instant. */
function parseTimestamp(value: string): Date | null {
  const parts = DATE_TIME.exec(value)?.groups;
  if (!parts) return null;
  const field = (name: string) => Number(parts[name] ?? 0);
  const [year, month, day] = [field('year'), field('month'), field('day')];
  const [hour, minute, second] = [field('hour'), field('minute'), field('second')];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const offset = offsetMinutes(parts.zone);
  if (offset === null) return null;
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over into March; a real date survives the round trip.
  if (calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day) return null;
  calendarDay.setUTCFullYear(year);
  const millis = Number((parts.fraction ?? '').padEnd(3, '0').slice(0, 3));
  return new Date(calendarDay.getTime() + ((hour * 60 + minute - offset) * 60 + second) * 1000 + millis);
}

/** A timestamp field: RFC 3339 with any offset, zone-less read as UTC. */
export const timestampSchema = z
  .string()
  .trim()
  .max(64)
  .transform((value, ctx) => {
    const parsed = parseTimestamp(value);
    if (parsed) return parsed;
    ctx.addIssue({
      code: 'custom',
      message: 'Input should be a valid datetime',
      params: { type: 'datetime_parsing' },
    });
    return z.NEVER;
  });
