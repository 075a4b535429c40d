import { customType, timestamp } from 'drizzle-orm/pg-core';

/** A `timestamptz` column read and written as a JS `Date`. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The "TS" pair of the spec: both NOT NULL DEFAULT now(); the application sets `updated_at` on update. */
export const timestamps = () => ({
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

/** Postgres `tsvector`; the app never writes it (generated column), it only reads it back as text. */
export const tsvector = customType<{ data: string; driverData: string }>({
  dataType: () => 'tsvector',
});

/**
 * Postgres `bytea` as `Uint8Array`. Values are handed to the driver as a Buffer because postgres-js only infers
 * the bytea type from Buffers (PGlite accepts any Uint8Array, and a Buffer is one).
 */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  fromDriver: (value) => new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
});
