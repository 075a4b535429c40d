import { z } from 'zod';

/** RFC 3339 timestamp with a zone; we always emit UTC with milliseconds and `Z` (README §2.2). */
export const Timestamp = z.iso.datetime({ offset: true });

/** A JSON object whose keys the contract leaves open (policy configs, app state, satellite metadata). */
export const JsonObject = z.record(z.string(), z.unknown());

/** `{"message": …}`: the answer of routes that only acknowledge (password reset, OTP resend). */
export const MessageResponse = z.object({ message: z.string() });

/** One item of a 422 body (README §2.3). */
export const ValidationErrorItem = z.object({
  type: z.string(),
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
  input: z.unknown().optional(),
  ctx: z.record(z.string(), z.unknown()).optional(),
});

/** A coded error a client may branch on: `code` and `message` plus extra keys. */
export const CodedErrorDetail = z.looseObject({ code: z.string(), message: z.string() });

/**
 * Every error body (README §2.3): `detail` as a string or a list of validation items; or a coded object, and then
 * also a top-level `message` with its human sentence, for clients that show `message` when `detail` is not text.
 */
export const ErrorBody = z.union([
  z.looseObject({ detail: z.union([z.string(), z.array(ValidationErrorItem)]) }),
  z.looseObject({ detail: CodedErrorDetail, message: z.string() }),
]);

export type Timestamp = z.infer<typeof Timestamp>;
export type JsonObject = z.infer<typeof JsonObject>;
export type MessageResponse = z.infer<typeof MessageResponse>;
export type ValidationErrorItem = z.infer<typeof ValidationErrorItem>;
export type ErrorBody = z.infer<typeof ErrorBody>;
