import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, serial, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { timestamps } from './columns';
import { users } from './users';

export const userAggregators = pgTable(
  'user_aggregators',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 100 }).notNull(),
    url: varchar('url', { length: 500 }).notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    ...timestamps(),
  },
  (t) => [
    index('user_aggregators_user_id_idx').on(t.userId),
    uniqueIndex('user_aggregators_one_default_key').on(t.userId).where(sql.raw('"is_default"')),
  ],
);

export type UserAggregator = typeof userAggregators.$inferSelect;
export type NewUserAggregator = typeof userAggregators.$inferInsert;
