import { type AnyPgColumn, endpoints, type SQL, sql, users } from '@syfthub/db';
import type { Viewer } from './visibility';

// The `EndpointPublic` JSON (§3.8) of an endpoint row, written by PostgreSQL as text, so that the hottest reads
// (list search, §16 search) hand a string to the response instead of parsing every column (timestamps, four jsonb
// documents), mapping it to an object and serialising it again: ~30 µs of the backend's CPU per row, most of a page's
// cost. It must say exactly what `endpointPublicJson` (serialize.ts) says; test/public-json.test.ts compares the two
// over varied rows.

const p = (name: string) => sql.placeholder(name);

/**
 * RFC 3339 UTC with milliseconds (README §2.2), as `Date.toISOString` writes it (both truncate PostgreSQL's
 * microseconds): the timestamps of every JSON PostgreSQL writes for a response (endpoints here, collectives).
 */
export function isoSql(column: SQL | AnyPgColumn): SQL {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** Each policy with its `applied_to` array (or `[]`) and whether it applies to everyone (policies.ts `audienceOf`). */
const audiences = sql`(
  select pol.value, pol.ord, a.applied,
         not exists (select from jsonb_array_elements(a.applied) as x where jsonb_typeof(x) = 'string')
           or a.applied @> '["*"]'::jsonb as wildcard
  from jsonb_array_elements(${endpoints.policies}) with ordinality as pol(value, ord)
    cross join lateral (
      select case when jsonb_typeof(pol.value -> 'config' -> 'applied_to') = 'array'
                  then pol.value -> 'config' -> 'applied_to' else '[]'::jsonb end as applied
    ) as a
)`;

/**
 * A policy that targets someone (`config.applied_to` an array with a string and without `*`; policies.ts
 * `audienceOf`). Strict, so a nested `["*"]` is not taken for `*`; a policy the path cannot read counts as not
 * targeted, as it does below. When no policy targets anyone, every policy is a wildcard and everyone sees them all:
 * the array as stored, without taking it apart (most policies target no one).
 */
const TARGETED_POLICY = sql.raw(
  `'strict $[*] ? (@.config.applied_to.type() == "array" && exists(@.config.applied_to[*] ? (@.type() == "string")) && !exists(@.config.applied_to[*] ? (@ == "*")))'::jsonpath`,
);

/**
 * The policies the viewer may see (policies.ts, §3.5): all for managers (the owner, admins); for anyone else the
 * policies whose `config.applied_to` names the viewer's e-mail if there are any, otherwise the wildcard ones (no
 * `applied_to` array, no string in it, or `*` among them). The viewer is the row of {@link viewerSource}.
 */
const policies = sql`case
  when jsonb_array_length(${endpoints.policies}) = 0 then '[]'::jsonb
  when ${endpoints.userId} = viewer.viewer_id or viewer.viewer_admin then ${endpoints.policies}
  when not jsonb_path_exists(${endpoints.policies}, ${TARGETED_POLICY}, '{}', true) then ${endpoints.policies}
  else coalesce(
    (select jsonb_agg(pol.value order by pol.ord) from ${audiences} as pol
     where not pol.wildcard and exists (
       select from jsonb_array_elements(pol.applied) as a
       where jsonb_typeof(a) = 'string' and lower(a #>> '{}') = viewer.viewer_email)),
    (select jsonb_agg(pol.value order by pol.ord) from ${audiences} as pol where pol.wildcard),
    '[]'::jsonb)
  end`;

/**
 * A connection's URL as responses show it (connections.ts `resolveConnectionUrl`, §3.4): absolute and `tunneling:`
 * URLs as stored; a relative path joined to the owner's domain with one `/` (a `tunneling:` domain replaces it),
 * `ws(s)://` for websocket types.
 */
function resolvedUrl(url: SQL, type: SQL, domain: SQL): SQL {
  const joined = sql`case when regexp_replace(${url}, '^/+', '') = '' then regexp_replace(${domain}, '/+$', '')
    else regexp_replace(${domain}, '/+$', '') || '/' || regexp_replace(${url}, '^/+', '') end`;
  return sql`case
    when ${url} ~* '^(https?|wss?)://' or starts_with(${url}, 'tunneling:') then ${url}
    when ${domain} is null or ${domain} = '' then ${url}
    when starts_with(${domain}, 'tunneling:') then ${domain}
    when lower(${type}) in ('websocket', 'ws', 'wss') then regexp_replace(${joined}, '^http(s?)://', 'ws\\1://', 'i')
    else ${joined}
  end`;
}

/**
 * A connection whose `config.url` a domain would change: a string that is neither absolute nor `tunneling:`. Lax, so
 * it may also find such a string where the rewrite would not look (then the rewrite runs and changes nothing), never
 * miss one.
 */
const RELATIVE_URL = sql.raw(
  `'lax $[*].config.url ? (@.type() == "string" && !(@ like_regex "^(https?|wss?)://" flag "i") && !(@ starts with "tunneling:"))'::jsonpath`,
);

/**
 * The connections with each string `config.url` resolved (connections.ts `rewriteConnections`); as stored when
 * there is nothing to resolve (no owner domain, or only absolute URLs: most rows), which costs a path test instead
 * of taking the array apart.
 */
const connect = sql`case
  when jsonb_array_length(${endpoints.connect}) = 0 then '[]'::jsonb
  when ${users.domain} is null or ${users.domain} = ''
    or not jsonb_path_exists(${endpoints.connect}, ${RELATIVE_URL}) then ${endpoints.connect}
  else (select jsonb_agg(
          case when jsonb_typeof(c.value -> 'config' -> 'url') = 'string'
               then jsonb_set(c.value, '{config,url}', to_jsonb(${resolvedUrl(
                 sql`(c.value -> 'config' ->> 'url')`,
                 sql`(c.value ->> 'type')`,
                 sql`${users.domain}`,
               )}))
               else c.value end
          order by c.ord)
        from jsonb_array_elements(${endpoints.connect}) with ordinality as c(value, ord))
  end`;

/**
 * The `EndpointPublic` JSON text of the current `endpoints` row joined with its owner (`users`) and the viewer
 * ({@link viewerSource}), keys in the order
 * of `endpointPublicJson`, then `extra` (`"relevance_score"` for search). `to_json` of a row writes compact JSON;
 * the jsonb documents inside keep PostgreSQL's spacing (`["a", "b"]`), the same values.
 */
export function endpointPublicJsonSql(extra?: { key: string; value: SQL }): SQL {
  const extraColumn = extra ? sql`, ${extra.value} as ${sql.identifier(extra.key)}` : sql``;
  return sql`(select to_json(j)::text from (select
    ${endpoints.id} as id, ${endpoints.name} as name, ${endpoints.slug} as slug,
    ${endpoints.description} as description, ${endpoints.type} as type, ${users.username} as owner_username,
    ${endpoints.version} as version, ${endpoints.readme} as readme, ${endpoints.tags} as tags,
    ${endpoints.starsCount} as stars_count,
    ${policies} as policies,
    ${connect} as connect,
    ${isoSql(endpoints.createdAt)} as created_at, ${isoSql(endpoints.updatedAt)} as updated_at,
    ${endpoints.healthStatus} as health_status, ${isoSql(endpoints.healthCheckedAt)} as health_checked_at,
    ${endpoints.archived} as archived, jsonb_array_length(${endpoints.contributors}) as contributors_count
    ${extraColumn}) as j)`;
}

/**
 * The viewer, `viewer` in {@link endpointPublicJsonSql}: a statement joins it (`on true`). Its placeholders are
 * `viewerId` (0 when anonymous), `viewerAdmin` and `viewerEmail` (lowercased, null when anonymous). A subquery that
 * the planner keeps apart (`offset 0`), so it cannot fold the values into a custom plan cheaper than the generic
 * one: PostgreSQL would then plan these statements anew for every request instead of reusing one plan.
 */
export const viewerSource = sql`(select ${p('viewerId')}::int as viewer_id, ${p('viewerAdmin')}::boolean as viewer_admin,
  ${p('viewerEmail')}::text as viewer_email offset 0) as viewer`;

/** The values of {@link viewerSource}'s placeholders. */
export function viewerValues(viewer: Viewer): {
  viewerId: number;
  viewerAdmin: boolean;
  viewerEmail: string | null;
} {
  return {
    viewerId: viewer?.id ?? 0,
    viewerAdmin: viewer?.role === 'admin',
    viewerEmail: viewer?.email.toLowerCase() ?? null,
  };
}
