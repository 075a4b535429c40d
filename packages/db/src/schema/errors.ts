import { bigserial, index, integer, jsonb, pgTable, text, varchar } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns';
import { users } from './users';

export const errorLogs = pgTable(
  'error_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    correlationId: varchar('correlation_id', { length: 128 }),
    timestamp: timestamptz('timestamp').notNull(),
    service: varchar('service', { length: 50 }),
    level: varchar('level', { length: 20 }),
    event: varchar('event', { length: 100 }),
    message: text('message'),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    endpoint: varchar('endpoint', { length: 255 }),
    method: varchar('method', { length: 10 }),
    errorType: varchar('error_type', { length: 100 }),
    errorCode: varchar('error_code', { length: 50 }),
    stackTrace: text('stack_trace'),
    context: jsonb('context').$type<Record<string, unknown>>(),
    requestData: jsonb('request_data').$type<Record<string, unknown>>(),
    responseData: jsonb('response_data').$type<Record<string, unknown>>(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('error_logs_timestamp_idx').on(t.timestamp.desc().nullsFirst()),
    index('error_logs_correlation_id_event_idx').on(t.correlationId, t.event),
    index('error_logs_created_at_idx').on(t.createdAt),
    index('error_logs_service_idx').on(t.service),
    index('error_logs_event_idx').on(t.event),
    index('error_logs_user_id_idx').on(t.userId),
  ],
);

export type ErrorLog = typeof errorLogs.$inferSelect;
export type NewErrorLog = typeof errorLogs.$inferInsert;
