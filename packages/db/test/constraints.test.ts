import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiTokens,
  collectiveMembers,
  collectiveSharedEndpointMembers,
  collectiveSharedEndpoints,
  collectives,
  type Db,
  endpointStars,
  endpoints,
  endpointUptimeSamples,
  eq,
  errorLogs,
  isCheckViolation,
  isForeignKeyViolation,
  isUniqueViolation,
  oauthClients,
  oauthGrants,
  oauthRefreshTokens,
  refreshTokens,
  sql,
  userAggregators,
  users,
} from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { insertEndpoint, insertUser } from './fixtures';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});

afterAll(async () => {
  await database?.close();
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail');
}

describe('users', () => {
  it('rejects a username or e-mail that is not lowercase', async () => {
    const err = await failure(insertUser(db, { username: 'MixedCase' }));
    expect(isCheckViolation(err, 'users_username_lowercase')).toBe(true);
    const emailErr = await failure(insertUser(db, { email: 'Someone@Example.com' }));
    expect(isCheckViolation(emailErr, 'users_email_lowercase')).toBe(true);
  });

  it('rejects an unknown role and a bio over 2000 characters', async () => {
    expect(
      isCheckViolation(await failure(insertUser(db, { role: 'root' as 'admin' })), 'users_role_check'),
    ).toBe(true);
    expect(
      isCheckViolation(await failure(insertUser(db, { bio: 'x'.repeat(2001) })), 'users_bio_length'),
    ).toBe(true);
    const ok = await insertUser(db, { bio: 'x'.repeat(2000) });
    expect(ok.bio).toHaveLength(2000);
  });

  it('keeps usernames and e-mails unique, naming the violated index', async () => {
    const alice = await insertUser(db);
    const err = await failure(insertUser(db, { username: alice.username }));
    expect(isUniqueViolation(err)).toBe(true);
    expect(isUniqueViolation(err, 'users_username_key')).toBe(true);
    expect(isUniqueViolation(err, 'users_email_key')).toBe(false);
    const emailErr = await failure(insertUser(db, { email: alice.email }));
    expect(isUniqueViolation(emailErr, 'users_email_key')).toBe(true);
  });

  it('applies the documented defaults and returns timestamps as Dates', async () => {
    const user = await insertUser(db);
    expect(user).toMatchObject({
      role: 'user',
      isActive: true,
      isEmailVerified: true,
      authProvider: 'local',
      isEmailPublic: false,
      passwordHash: null,
      lastLoginAt: null,
    });
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(user.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });
});

describe('endpoints', () => {
  it('keeps slugs unique per owner, not globally', async () => {
    const alice = await insertUser(db);
    const bob = await insertUser(db);
    await insertEndpoint(db, alice.id, { slug: 'legal-docs' });
    const bobs = await insertEndpoint(db, bob.id, { slug: 'legal-docs' });
    expect(bobs.slug).toBe('legal-docs');
    const err = await failure(insertEndpoint(db, alice.id, { slug: 'legal-docs' }));
    expect(isUniqueViolation(err, 'endpoints_user_id_slug_key')).toBe(true);
  });

  it('never lets stars_count go below zero', async () => {
    const owner = await insertUser(db);
    const endpoint = await insertEndpoint(db, owner.id);
    const err = await failure(
      db
        .update(endpoints)
        .set({ starsCount: sql`${endpoints.starsCount} - 1` })
        .where(eq(endpoints.id, endpoint.id)),
    );
    expect(isCheckViolation(err, 'endpoints_stars_count_nonnegative')).toBe(true);
  });

  it('checks type, visibility and description length', async () => {
    const owner = await insertUser(db);
    const badType = await failure(insertEndpoint(db, owner.id, { type: 'robot' as 'model' }));
    expect(isCheckViolation(badType, 'endpoints_type_check')).toBe(true);
    const badVisibility = await failure(insertEndpoint(db, owner.id, { visibility: 'secret' as 'public' }));
    expect(isCheckViolation(badVisibility, 'endpoints_visibility_check')).toBe(true);
    const longDescription = await failure(insertEndpoint(db, owner.id, { description: 'd'.repeat(501) }));
    expect(isCheckViolation(longDescription, 'endpoints_description_length')).toBe(true);
  });

  it('loads the owner through the relational query API', async () => {
    const owner = await insertUser(db);
    const endpoint = await insertEndpoint(db, owner.id);
    const found = await db.query.endpoints.findFirst({
      where: eq(endpoints.id, endpoint.id),
      with: { owner: { columns: { username: true } } },
    });
    expect(found?.owner.username).toBe(owner.username);
  });

  it('rejects an owner that does not exist', async () => {
    const err = await failure(insertEndpoint(db, 999_999));
    expect(isForeignKeyViolation(err)).toBe(true);
    expect(isUniqueViolation(err)).toBe(false);
  });
});

describe('user aggregators', () => {
  it('allow at most one default per user', async () => {
    const user = await insertUser(db);
    const other = await insertUser(db);
    const row = { name: 'agg', url: 'https://agg.example.com' };
    await db.insert(userAggregators).values([
      { ...row, userId: user.id, isDefault: true },
      { ...row, userId: user.id },
      { ...row, userId: user.id },
      { ...row, userId: other.id, isDefault: true },
    ]);
    const err = await failure(
      db.insert(userAggregators).values({ ...row, userId: user.id, isDefault: true }),
    );
    expect(isUniqueViolation(err, 'user_aggregators_one_default_key')).toBe(true);
  });
});

describe('deleting a user', () => {
  it('cascades to everything the user owns and nulls error-log references', async () => {
    const owner = await insertUser(db);
    const fan = await insertUser(db);
    const endpoint = await insertEndpoint(db, owner.id);
    const fansEndpoint = await insertEndpoint(db, fan.id);
    const now = new Date();
    const later = new Date(now.getTime() + 3_600_000);

    await db.insert(endpointStars).values([
      { userId: owner.id, endpointId: fansEndpoint.id },
      { userId: fan.id, endpointId: endpoint.id },
    ]);
    await db
      .insert(endpointUptimeSamples)
      .values({ endpointId: endpoint.id, bucketStart: now, totalChecks: 1 });
    await db.insert(apiTokens).values({
      userId: owner.id,
      name: 'cli',
      tokenPrefix: 'syft_pat_abcdefg',
      tokenHash: 'a'.repeat(64),
    });
    await db.insert(refreshTokens).values({
      familyId: crypto.randomUUID(),
      userId: owner.id,
      issuedAt: now,
      expiresAt: later,
      familyExpiresAt: later,
    });
    await db.insert(userAggregators).values({ userId: owner.id, name: 'a', url: 'https://a.example.com' });
    const [collective] = await db
      .insert(collectives)
      .values({ ownerId: owner.id, name: 'Owner collective', slug: `owner-collective-${owner.id}` })
      .returning();
    const [fansCollective] = await db
      .insert(collectives)
      .values({ ownerId: fan.id, name: 'Fan collective', slug: `fan-collective-${fan.id}` })
      .returning();
    if (!collective || !fansCollective) throw new Error('no collective');
    await db.insert(collectiveMembers).values([
      { collectiveId: fansCollective.id, endpointId: endpoint.id, reviewedByUserId: owner.id },
      { collectiveId: fansCollective.id, endpointId: fansEndpoint.id, reviewedByUserId: owner.id },
    ]);
    const [shared] = await db
      .insert(collectiveSharedEndpoints)
      .values({ collectiveId: fansCollective.id, name: 'Shared', slug: 'shared' })
      .returning();
    if (!shared) throw new Error('no shared endpoint');
    await db.insert(collectiveSharedEndpointMembers).values([
      { sharedEndpointId: shared.id, endpointId: endpoint.id },
      { sharedEndpointId: shared.id, endpointId: fansEndpoint.id },
    ]);
    const clientId = `client-${owner.id}`;
    await db.insert(oauthClients).values({
      clientId,
      registrationType: 'dcr',
      clientType: 'public',
      tokenEndpointAuthMethod: 'none',
      redirectUris: ['http://127.0.0.1/callback'],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
    });
    const secret = new Uint8Array([0, 1, 2, 250, 255]);
    const [grant] = await db
      .insert(oauthGrants)
      .values({
        userId: owner.id,
        clientId,
        scope: 'mcp',
        resource: 'https://hub.example.com/mcp',
        userEmail: owner.email,
        username: owner.username,
        emailVerified: true,
        hubRefreshTokenEnc: secret,
      })
      .returning();
    if (!grant) throw new Error('no grant');
    expect(Array.from(grant.hubRefreshTokenEnc ?? [])).toEqual(Array.from(secret));
    await db.insert(oauthRefreshTokens).values({
      tokenHash: 'b'.repeat(64),
      grantId: grant.id,
      clientId,
      scope: 'mcp',
      resource: 'https://hub.example.com/mcp',
      issuedAt: now,
      expiresAt: later,
    });
    const [log] = await db
      .insert(errorLogs)
      .values({ timestamp: now, service: 'backend', userId: owner.id, event: 'test.event' })
      .returning();
    if (!log) throw new Error('no log');

    await db.delete(users).where(eq(users.id, owner.id));

    expect(await db.select().from(endpoints).where(eq(endpoints.userId, owner.id))).toEqual([]);
    expect(await db.select().from(endpointStars).where(eq(endpointStars.userId, owner.id))).toEqual([]);
    expect(await db.select().from(endpointStars).where(eq(endpointStars.endpointId, endpoint.id))).toEqual(
      [],
    );
    expect(
      await db.select().from(endpointUptimeSamples).where(eq(endpointUptimeSamples.endpointId, endpoint.id)),
    ).toEqual([]);
    expect(await db.select().from(apiTokens).where(eq(apiTokens.userId, owner.id))).toEqual([]);
    expect(await db.select().from(refreshTokens).where(eq(refreshTokens.userId, owner.id))).toEqual([]);
    expect(await db.select().from(userAggregators).where(eq(userAggregators.userId, owner.id))).toEqual([]);
    expect(await db.select().from(collectives).where(eq(collectives.ownerId, owner.id))).toEqual([]);
    expect(await db.select().from(oauthGrants).where(eq(oauthGrants.userId, owner.id))).toEqual([]);
    expect(
      await db.select().from(oauthRefreshTokens).where(eq(oauthRefreshTokens.grantId, grant.id)),
    ).toEqual([]);

    // The fan's collective survives; only the deleted user's endpoint leaves it, and the reviewer is forgotten.
    const members = await db
      .select()
      .from(collectiveMembers)
      .where(eq(collectiveMembers.collectiveId, fansCollective.id));
    expect(members.map((m) => [m.endpointId, m.reviewedByUserId])).toEqual([[fansEndpoint.id, null]]);
    const sharedMembers = await db
      .select()
      .from(collectiveSharedEndpointMembers)
      .where(eq(collectiveSharedEndpointMembers.sharedEndpointId, shared.id));
    expect(sharedMembers.map((m) => m.endpointId)).toEqual([fansEndpoint.id]);

    const [keptLog] = await db.select().from(errorLogs).where(eq(errorLogs.id, log.id));
    expect(keptLog?.userId).toBeNull();
    expect(await db.select().from(users).where(eq(users.id, fan.id))).toHaveLength(1);
  });
});
