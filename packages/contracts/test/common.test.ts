import { describe, expect, it } from 'vitest';
import { ErrorBody, Timestamp } from '../src';

describe('common wire shapes', () => {
  it('accepts zoned timestamps and refuses zone-less ones', () => {
    expect(Timestamp.safeParse('2026-07-08T11:46:50.123Z').success).toBe(true);
    expect(Timestamp.safeParse('2026-07-08T11:46:50+02:00').success).toBe(true);
    expect(Timestamp.safeParse('2026-07-08T11:46:50').success).toBe(false);
  });

  it('accepts the three error detail shapes', () => {
    expect(ErrorBody.safeParse({ detail: 'Endpoint not found' }).success).toBe(true);
    expect(
      ErrorBody.safeParse({
        detail: { code: 'USER_ALREADY_EXISTS', message: 'Email already exists', field: 'email' },
        message: 'Email already exists',
      }).success,
    ).toBe(true);
    expect(
      ErrorBody.safeParse({ detail: [{ type: 'missing', loc: ['body', 'password'], msg: 'Field required' }] })
        .success,
    ).toBe(true);
    expect(ErrorBody.safeParse({ detail: { message: 'no code' }, message: 'no code' }).success).toBe(false);
    // A coded detail comes with its sentence at the top level too (issue 21): SyftHub's SDKs show `message`.
    expect(ErrorBody.safeParse({ detail: { code: 'NOT_FOUND', message: 'Gone' } }).success).toBe(false);
  });
});
