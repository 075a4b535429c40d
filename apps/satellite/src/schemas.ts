import { z } from 'zod';

/** satellite-protocol.md §8.5: at most 200 messages per request. */
export const MAX_MESSAGES = 200;

const messageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

const messageList = z.array(messageSchema).min(1).max(MAX_MESSAGES);

/** §2.2. `messages` is a string; a message list (as models take) is accepted too and reduced to its last user turn. */
export const dataSourceQuerySchema = z.object({
  messages: z.union([z.string(), messageList]),
  limit: z
    .number()
    .int()
    .min(1)
    .max(100)
    .nullish()
    .transform((v) => v ?? 5),
  similarity_threshold: z
    .number()
    .min(0)
    .max(1)
    .nullish()
    .transform((v) => v ?? 0),
  include_metadata: z
    .boolean()
    .nullish()
    .transform((v) => v ?? true),
});

/** §2.3. Nulls mean "default", as some SDKs send them for unset options. */
export const modelQuerySchema = z.object({
  messages: messageList,
  max_tokens: z
    .number()
    .int()
    .min(1)
    .nullish()
    .transform((v) => v ?? 1024),
  temperature: z
    .number()
    .min(0)
    .max(2)
    .nullish()
    .transform((v) => v ?? 0.7),
  stream: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  stop_sequences: z
    .array(z.string())
    .max(16)
    .nullish()
    .transform((v) => v ?? []),
});

export function retrievalQuery(messages: z.output<typeof dataSourceQuerySchema>['messages']): string {
  if (typeof messages === 'string') return messages;
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  return (lastUser ?? messages.at(-1))?.content ?? '';
}
