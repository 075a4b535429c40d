import { endpoints, eq, users } from '@syfthub/db';
import { expect } from 'vitest';
import type { TestBackend } from './harness';

/** The `Endpoint` / `EndpointPublic` fields tests read. */
export interface EndpointJson {
  id: number;
  user_id?: number;
  owner_username: string;
  name: string;
  slug: string;
  description: string;
  type: string;
  visibility?: string;
  is_active?: boolean;
  archived: boolean;
  contributors?: number[];
  contributors_count?: number;
  version: string;
  readme: string;
  tags: string[];
  stars_count: number;
  policies: Array<Record<string, unknown> & { type: string; config: Record<string, unknown> }>;
  connect: Array<Record<string, unknown> & { type: string; config: Record<string, unknown> }>;
  created_at: string;
  updated_at: string;
  health_status: string | null;
  health_checked_at: string | null;
  health_ttl_seconds?: number | null;
}

export type Account = Awaited<ReturnType<TestBackend['registerUser']>>;

/** Creates an endpoint through the API and returns its JSON (fails the test on anything but 201). */
export async function createEndpoint(
  backend: TestBackend,
  token: string,
  body: Record<string, unknown>,
): Promise<EndpointJson> {
  const res = await backend.api<EndpointJson>('POST', '/api/v1/endpoints', {
    token,
    json: { type: 'model', ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Sets state the API does not expose (the monitor's `is_active`) directly in the database. */
export async function setEndpointColumns(
  backend: TestBackend,
  id: number,
  values: Partial<typeof endpoints.$inferInsert>,
): Promise<void> {
  await backend.deps.db.update(endpoints).set(values).where(eq(endpoints.id, id));
}

export async function setUserDomain(
  backend: TestBackend,
  userId: number,
  domain: string | null,
): Promise<void> {
  await backend.deps.db.update(users).set({ domain }).where(eq(users.id, userId));
}

/** A personal access token of the account with the given scopes. */
export async function createApiToken(backend: TestBackend, token: string, scopes: string[]): Promise<string> {
  const res = await backend.api<{ token: string }>('POST', '/api/v1/auth/tokens', {
    token,
    json: { name: `t-${scopes.join('-')}`, scopes },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.token;
}

/** The `loc` paths of a 422 body. */
export function locsOf(body: unknown): unknown[] {
  return (body as { detail: Array<{ loc: unknown[] }> }).detail.map((item) => item.loc);
}
