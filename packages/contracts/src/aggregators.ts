import { z } from 'zod';
import { Timestamp } from './common';

// backend-api.md §3.10 and §7: the aggregator URLs a user keeps on the hub.

/** `UserAggregator` (§3.10). */
export const UserAggregator = z.object({
  id: z.number().int(),
  user_id: z.number().int(),
  name: z.string(),
  url: z.string(),
  is_default: z.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** `GET /users/me/aggregators` (§7): newest first, with the default's id. */
export const UserAggregatorList = z.object({
  aggregators: z.array(UserAggregator),
  default_aggregator_id: z.number().int().nullable(),
});

export type UserAggregator = z.infer<typeof UserAggregator>;
export type UserAggregatorList = z.infer<typeof UserAggregatorList>;
