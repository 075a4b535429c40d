import { type ZodType, z } from 'zod';

/**
 * A response that breaks its documented contract. Only thrown where response checks are on (development and
 * tests), so a mismatch fails the test that produced it; production never pays for the check.
 */
export class ResponseContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseContractError';
  }
}

/** Throws a {@link ResponseContractError} naming `where` unless `value` matches `schema`. */
export function assertMatchesContract(schema: ZodType, value: unknown, where: string): void {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ResponseContractError(
      `${where} does not match its contract:\n${z.prettifyError(result.error)}`,
    );
  }
}

/** Checks a JSON response's body (read from a clone, so the response is still sendable) against `schema`. */
export async function assertResponseMatchesContract(
  res: Response,
  schema: ZodType,
  where: string,
): Promise<void> {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) {
    throw new ResponseContractError(`${where} should be JSON but is ${type || 'without a content type'}`);
  }
  assertMatchesContract(schema, await res.clone().json(), where);
}
