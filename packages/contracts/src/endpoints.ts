import { z } from 'zod';
import { JsonObject, Timestamp } from './common';

// backend-api.md §3.3–§3.8 and §9: endpoints, their listings, search, sync, health and uptime.

export const ENDPOINT_TYPES = ['model', 'data_source', 'model_data_source', 'agent'] as const;
export const ENDPOINT_VISIBILITIES = ['public', 'private', 'internal'] as const;
export const HEALTH_STATUSES = ['healthy', 'unhealthy'] as const;

export const EndpointType = z.enum(ENDPOINT_TYPES);
export const Visibility = z.enum(ENDPOINT_VISIBILITIES);
export const HealthStatus = z.enum(HEALTH_STATUSES);

/** `Policy` (§3.3) as stored and returned; the hub filters policies by audience but never enforces them. */
export const Policy = z.object({
  type: z.string(),
  version: z.string(),
  enabled: z.boolean(),
  description: z.string(),
  config: JsonObject,
});

/** A connection's `config`: `url` rewritten from the owner's domain in every response (§3.4). */
export const ConnectionConfig = z.looseObject({
  url: z.string().nullish(),
  path: z.string().nullish(),
  tenant_name: z.string().nullish(),
});

/** `Connection` (§3.3). */
export const Connection = z.object({
  type: z.string(),
  enabled: z.boolean(),
  description: z.string(),
  config: ConnectionConfig,
});

const endpointCommon = {
  id: z.number().int(),
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  type: EndpointType,
  owner_username: z.string(),
  version: z.string(),
  readme: z.string(),
  tags: z.array(z.string()),
  stars_count: z.number().int(),
  policies: z.array(Policy),
  connect: z.array(Connection),
  created_at: Timestamp,
  updated_at: Timestamp,
  health_status: HealthStatus.nullable(),
  health_checked_at: Timestamp.nullable(),
  archived: z.boolean(),
};

const endpointExample = {
  id: 12,
  name: 'Legal docs',
  slug: 'legal-docs',
  description: 'Contracts and policies, searchable with BM25.',
  type: 'data_source',
  owner_username: 'alice',
  version: '1.0.0',
  readme: '# Legal docs',
  tags: ['legal', 'contracts'],
  stars_count: 3,
  policies: [],
  connect: [
    {
      type: 'http',
      enabled: true,
      description: 'Reference satellite',
      config: { url: 'https://sat.example.com', tenant_name: null },
    },
  ],
  created_at: '2026-07-08T11:46:50.123Z',
  updated_at: '2026-07-08T11:46:50.123Z',
  health_status: 'healthy',
  health_checked_at: '2026-07-08T11:46:50.123Z',
  archived: false,
};

/** `Endpoint` (§3.7): the owner's and admins' view. */
export const Endpoint = z
  .object({
    ...endpointCommon,
    user_id: z.number().int(),
    visibility: Visibility,
    is_active: z.boolean(),
    /** User ids; the owner is always one of them. */
    contributors: z.array(z.number().int()),
    health_ttl_seconds: z.number().int().nullable(),
  })
  .meta({
    examples: [
      {
        ...endpointExample,
        user_id: 17,
        visibility: 'public',
        is_active: true,
        contributors: [17],
        health_ttl_seconds: 180,
      },
    ],
  });

/** `EndpointPublic` (§3.8): everyone else's view. */
export const EndpointPublic = z
  .object({ ...endpointCommon, contributors_count: z.number().int() })
  .meta({ examples: [{ ...endpointExample, contributors_count: 1 }] });

/** A read by path: `Endpoint` for owners and admins, `EndpointPublic` for everyone else (§4.3). */
export const EndpointView = z.union([Endpoint, EndpointPublic]);

/** `GET /endpoints/public/grouped` (§9.3). */
export const GroupedEndpoints = z.object({
  groups: z.array(
    z.object({
      owner_username: z.string(),
      endpoints: z.array(EndpointPublic),
      total_count: z.number().int(),
      has_more: z.boolean(),
    }),
  ),
});

/** `GET /endpoints/public/owners` (§9.3). */
export const OwnersListing = z
  .object({
    owners: z.array(
      z.object({
        username: z.string(),
        endpoint_count: z.number().int(),
        model_count: z.number().int(),
        data_source_count: z.number().int(),
      }),
    ),
    total_count: z.number().int(),
  })
  .meta({
    examples: [
      {
        owners: [{ username: 'alice', endpoint_count: 5, model_count: 2, data_source_count: 3 }],
        total_count: 42,
      },
    ],
  });

/** One hit of `POST /endpoints/search` (§16). */
export const SearchResult = EndpointPublic.extend({ relevance_score: z.number() });

/** `POST /endpoints/search` (§16). */
export const SearchResponse = z.object({
  results: z.array(SearchResult),
  total: z.number().int(),
  query: z.string(),
});

/** `POST /endpoints/sync` 200 (§9.4): the resulting set in batch order. */
export const SyncResult = z.object({
  synced: z.number().int(),
  deleted: z.number().int(),
  endpoints: z.array(Endpoint),
});

/** `POST /endpoints/health` (§9.5). */
export const HealthReportResult = z.object({ updated: z.number().int(), ignored: z.number().int() });

/** One bucket of `GET /endpoints/{owner}/{slug}/uptime` (§9.6); only buckets with samples are listed. */
export const UptimeBucket = z.object({
  bucket_start: Timestamp,
  samples: z.number().int(),
  healthy_samples: z.number().int(),
  /** Two decimals. */
  uptime_pct: z.number(),
});

/** `GET /endpoints/{owner}/{slug}/uptime` (§9.6). */
export const UptimeResponse = z
  .object({
    endpoint_id: z.number().int(),
    owner_username: z.string(),
    slug: z.string(),
    bucket_seconds: z.number().int(),
    window_hours: z.number().int(),
    buckets: z.array(UptimeBucket),
  })
  .meta({
    examples: [
      {
        endpoint_id: 12,
        owner_username: 'alice',
        slug: 'legal-docs',
        bucket_seconds: 1800,
        window_hours: 24,
        buckets: [
          { bucket_start: '2026-07-08T10:00:00.000Z', samples: 60, healthy_samples: 58, uptime_pct: 96.67 },
        ],
      },
    ],
  });

/** Star routes (§9.2): `POST …/star` (true when newly starred) and `GET …/starred`. */
export const StarState = z.object({ starred: z.boolean() });

/** `GET /endpoints/{slug}/exists`: a bare JSON boolean. */
export const SlugExists = z.boolean();

/**
 * `POST /{owner}/{slug}` 200 (§4.4): the satellite's JSON passed through, or `{"raw_response": text}` when it
 * answered with something else.
 */
export const InvocationResult = z.json();

/** `owner/slug` paths, e.g. the members a collective path resolves to (§11). */
export const EndpointPathList = z.array(z.string());

export type EndpointType = z.infer<typeof EndpointType>;
export type Visibility = z.infer<typeof Visibility>;
export type HealthStatus = z.infer<typeof HealthStatus>;
export type Policy = z.infer<typeof Policy>;
export type ConnectionConfig = z.infer<typeof ConnectionConfig>;
export type Connection = z.infer<typeof Connection>;
export type Endpoint = z.infer<typeof Endpoint>;
export type EndpointPublic = z.infer<typeof EndpointPublic>;
export type EndpointView = z.infer<typeof EndpointView>;
export type GroupedEndpoints = z.infer<typeof GroupedEndpoints>;
export type OwnersListing = z.infer<typeof OwnersListing>;
export type SearchResult = z.infer<typeof SearchResult>;
export type SearchResponse = z.infer<typeof SearchResponse>;
export type SyncResult = z.infer<typeof SyncResult>;
export type HealthReportResult = z.infer<typeof HealthReportResult>;
export type UptimeBucket = z.infer<typeof UptimeBucket>;
export type UptimeResponse = z.infer<typeof UptimeResponse>;
export type StarState = z.infer<typeof StarState>;

/** Whether a by-path read returned the owner's view. */
export function isOwnerView(endpoint: EndpointView): endpoint is Endpoint {
  return 'user_id' in endpoint;
}
