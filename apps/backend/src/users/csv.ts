import type { User } from '@syfthub/db';
import { iso } from './serialize';

export const USER_CSV_COLUMNS = [
  'id',
  'username',
  'email',
  'full_name',
  'role',
  'is_active',
  'is_email_verified',
  'auth_provider',
  'created_at',
  'last_login_at',
] as const;

// Spreadsheets run cells that start with these as formulas; a leading quote makes them text.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: formula-looking text defused, then RFC 4180 quoting when needed. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvLine(cells: string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export const userCsvHeader = (): string => csvLine([...USER_CSV_COLUMNS]);

export function userCsvRow(user: User): string {
  return csvLine([
    String(user.id),
    user.username,
    user.email,
    user.fullName,
    user.role,
    String(user.isActive),
    String(user.isEmailVerified),
    user.authProvider,
    iso(user.createdAt) ?? '',
    iso(user.lastLoginAt) ?? '',
  ]);
}
