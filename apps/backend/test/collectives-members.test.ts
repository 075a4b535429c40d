import { Collective, CollectiveMember, type CollectiveMember as MemberJson } from '@syfthub/contracts';
import { collectiveMembers, eq, users } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { invitationEmail } from '../src/collectives/invitation-email';
import {
  C,
  createCollective,
  dataSource,
  expectShape,
  membershipRow,
  tableCounts,
} from './collectives-fixtures';
import { type Account, createEndpoint, setEndpointColumns } from './endpoints-fixtures';
import { createCapturingEmailSender, createTestBackend, type TestBackend } from './harness';

// Memberships (collectives.md §6, R15-R22): the state machine, invitations and their e-mail, upstream's
// test_collectives.py T:271-925, and our fixes C1, C7, C8, C15-C20, §6.4.

const mail = createCapturingEmailSender();
// Accounts are registered on a twin without a sender (with one, sign-up waits for e-mail verification).
let accounts: TestBackend;
let backend: TestBackend;
let owner: Account;
let member: Account;
let stranger: Account;
let admin: Account;

beforeAll(async () => {
  accounts = await createTestBackend();
  backend = await createTestBackend(
    { FRONTEND_URL: 'https://hub.example/' },
    { email: mail, database: accounts.database },
  );
  owner = await accounts.registerUser();
  member = await accounts.registerUser({
    email: `member${Date.now()}@example.com`,
    full_name: 'Member Person',
  });
  stranger = await accounts.registerUser();
  admin = await accounts.registerAdmin();
});
afterAll(async () => {
  await backend.close();
  await accounts.close();
});

const Members = z.array(CollectiveMember);

function join(collectiveId: number, endpointId: number, account: Account) {
  return backend.api<MemberJson>('POST', `${C}/${collectiveId}/members`, {
    token: account.access_token,
    json: { endpoint_id: endpointId },
  });
}

function invite(collectiveId: number, endpointId: number, account: Account = owner) {
  return backend.api<MemberJson>('POST', `${C}/${collectiveId}/invitations`, {
    token: account.access_token,
    json: { endpoint_id: endpointId },
  });
}

function reviewReq(collectiveId: number, endpointId: number, decision: string, account: Account = owner) {
  return backend.api<MemberJson>('POST', `${C}/${collectiveId}/members/${endpointId}/review`, {
    token: account.access_token,
    json: { decision },
  });
}

function respondReq(collectiveId: number, endpointId: number, decision: string, account: Account = member) {
  return backend.api<MemberJson>('POST', `${C}/${collectiveId}/invitations/${endpointId}/respond`, {
    token: account.access_token,
    json: { decision },
  });
}

function mailsTo(address: string) {
  return mail.sent.filter((m) => m.to === address);
}

describe('join requests (R16, R17)', () => {
  it('lands pending with endpoint identity, and approved with auto-approve (T:271, T:294)', async () => {
    const triaged = await createCollective(backend, owner.access_token);
    const source = await dataSource(backend, member, { description: 'Papers' });
    const pending = expectShape(await join(triaged.id, source.id, member), 201, CollectiveMember);
    expect(pending).toMatchObject({
      status: 'pending',
      endpoint_slug: source.slug,
      endpoint_name: source.name,
      endpoint_description: 'Papers',
      endpoint_owner_username: member.user.username,
      endpoint_owner_full_name: 'Member Person',
      endpoint_type: 'data_source',
      responded_at: null,
      reviewed_by_user_id: null,
    });
    const open = await createCollective(backend, owner.access_token, { auto_approve: true });
    const approved = expectShape(await join(open.id, source.id, member), 201, CollectiveMember);
    expect(approved.status).toBe('approved');
    expect(approved.responded_at).not.toBeNull();
    const after = expectShape(await backend.api('GET', `${C}/${open.id}`), 200, Collective);
    expect(after).toMatchObject({ member_count: 1, owner_count: 1 });
  });

  it("refuses someone else's endpoint with 403 and an invisible one with 404 (T:314, C1)", async () => {
    const made = await createCollective(backend, owner.access_token);
    const pub = await dataSource(backend, member);
    const priv = await dataSource(backend, member, { visibility: 'private' });
    const before = await tableCounts(backend);
    const denied = await join(made.id, pub.id, stranger);
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ detail: 'You can only manage memberships for your own endpoints' });
    expect((await join(made.id, priv.id, stranger)).status).toBe(404);
    expect((await join(made.id, 999_999, member)).status).toBe(404);
    expect((await join(999_999, pub.id, member)).status).toBe(404);
    expect(await tableCounts(backend)).toEqual(before);
    // Admins may join with any endpoint.
    expect((await join(made.id, priv.id, admin)).status).toBe(201);
  });

  it('lets only data sources in; models and agents are 400 with no row (T:625-700)', async () => {
    const made = await createCollective(backend, owner.access_token, { auto_approve: true });
    const before = await tableCounts(backend);
    for (const type of ['model', 'agent']) {
      const endpoint = await createEndpoint(backend, member.access_token, {
        name: `A ${type}`,
        type,
        visibility: 'public',
      });
      const res = await join(made.id, endpoint.id, member);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('data source');
      expect((await invite(made.id, endpoint.id)).status).toBe(400);
    }
    expect(await tableCounts(backend)).toEqual(before);
    const owners = await backend.api('GET', `${C}/${made.id}/members`, { token: owner.access_token });
    expect(owners.body).toEqual([]);
    for (const type of ['data_source', 'model_data_source']) {
      const endpoint = await createEndpoint(backend, member.access_token, {
        name: `B ${type}`,
        type,
        visibility: 'public',
      });
      expect((await join(made.id, endpoint.id, member)).body).toMatchObject({ status: 'approved' });
    }
    const archived = await dataSource(backend, member, { archived: true });
    const res = await join(made.id, archived.id, member);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Archived endpoints cannot join collectives' });
    expect((await invite(made.id, archived.id)).status).toBe(400);
  });

  it('follows §6.2: pending idempotent, approved 409, rejected reopens, invited accepts', async () => {
    const made = await createCollective(backend, owner.access_token);
    const source = await dataSource(backend, member);
    const first = expectShape(await join(made.id, source.id, member), 201, CollectiveMember);
    const again = expectShape(await join(made.id, source.id, member), 201, CollectiveMember);
    expect(again).toEqual(first);
    const rejected = expectShape(await reviewReq(made.id, source.id, 'reject'), 200, CollectiveMember);
    expect(rejected).toMatchObject({ status: 'rejected', reviewed_by_user_id: owner.user.id });
    expect(rejected.responded_at).not.toBeNull();
    const reopened = expectShape(await join(made.id, source.id, member), 201, CollectiveMember);
    expect(reopened).toMatchObject({ status: 'pending', responded_at: null, reviewed_by_user_id: null });
    expect(reopened.requested_at >= first.requested_at).toBe(true);
    const approved = expectShape(await reviewReq(made.id, source.id, 'approve'), 200, CollectiveMember);
    expect(approved.status).toBe('approved');
    const dup = await join(made.id, source.id, member);
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ detail: 'Endpoint is already a member of this collective' });

    const other = await dataSource(backend, member);
    const invited = expectShape(await invite(made.id, other.id), 201, CollectiveMember);
    expect(invited.status).toBe('invited');
    const accepted = expectShape(await join(made.id, other.id, member), 201, CollectiveMember);
    expect(accepted).toMatchObject({ status: 'approved', reviewed_by_user_id: member.user.id });
    expect(accepted.requested_at).toBe(invited.requested_at);
  });

  it('reviews only pending rows, by managers (T:329-381)', async () => {
    const made = await createCollective(backend, owner.access_token);
    const a = await dataSource(backend, member);
    const b = await dataSource(backend, member);
    await join(made.id, a.id, member);
    await join(made.id, b.id, member);
    expect((await reviewReq(made.id, a.id, 'approve', stranger)).status).toBe(403);
    expect((await reviewReq(made.id, a.id, 'approve', member)).status).toBe(403);
    expect((await reviewReq(made.id, a.id, 'maybe')).status).toBe(422);
    expect((await reviewReq(made.id, 999_999, 'approve')).body).toEqual({ detail: 'Membership not found' });
    expect((await reviewReq(made.id, a.id, 'approve')).body).toMatchObject({ status: 'approved' });
    expect((await reviewReq(made.id, b.id, 'reject', admin)).body).toMatchObject({
      status: 'rejected',
      reviewed_by_user_id: admin.user.id,
    });
    const again = await reviewReq(made.id, a.id, 'reject');
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ detail: 'This membership has no pending join request to review' });
    expect((await membershipRow(backend, made.id, a.id))?.status).toBe('approved');
    const after = expectShape(await backend.api('GET', `${C}/${made.id}`), 200, Collective);
    expect(after.member_count).toBe(1);
  });
});

describe('invitations (R19-R22)', () => {
  it('invite → accept, invite → decline, by managers only (T:389-469)', async () => {
    const made = await createCollective(backend, owner.access_token);
    const a = await dataSource(backend, member);
    const b = await dataSource(backend, member);
    expect((await invite(made.id, a.id, stranger)).status).toBe(403);
    expect((await invite(made.id, a.id, member)).status).toBe(403);
    expect((await invite(made.id, a.id)).body).toMatchObject({ status: 'invited', responded_at: null });
    expect((await respondReq(made.id, a.id, 'accept', owner)).status).toBe(403);
    expect((await respondReq(made.id, a.id, 'accept', stranger)).status).toBe(403);
    const accepted = expectShape(await respondReq(made.id, a.id, 'accept'), 200, CollectiveMember);
    expect(accepted).toMatchObject({ status: 'approved', reviewed_by_user_id: member.user.id });
    const twice = await respondReq(made.id, a.id, 'accept');
    expect(twice.status).toBe(409);
    expect(twice.body).toEqual({ detail: 'There is no pending invitation for this endpoint' });
    await invite(made.id, b.id);
    expect((await respondReq(made.id, b.id, 'decline')).body).toMatchObject({ status: 'rejected' });
    expect((await respondReq(made.id, b.id, 'later')).status).toBe(422);
    const none = await dataSource(backend, member);
    expect((await respondReq(made.id, none.id, 'accept')).body).toEqual({ detail: 'Invitation not found' });
    // Re-inviting after a decline re-opens the invitation.
    expect((await invite(made.id, b.id)).body).toMatchObject({
      status: 'invited',
      reviewed_by_user_id: null,
    });
    // Inviting a pending requester approves it; an approved member is a 409.
    const c = await dataSource(backend, member);
    await join(made.id, c.id, member);
    expect((await invite(made.id, c.id)).body).toMatchObject({
      status: 'approved',
      reviewed_by_user_id: owner.user.id,
    });
    expect((await invite(made.id, c.id)).status).toBe(409);
  });

  it('reads an invitation row for its two parties and admins only (T:472-551)', async () => {
    const made = await createCollective(backend, owner.access_token);
    const source = await dataSource(backend, member);
    await invite(made.id, source.id);
    const path = `${C}/${made.id}/invitations/${source.id}`;
    const mine = expectShape(
      await backend.api('GET', path, { token: member.access_token }),
      200,
      CollectiveMember,
    );
    expect(mine).toMatchObject({ status: 'invited', endpoint_id: source.id });
    expect((await backend.api('GET', path, { token: owner.access_token })).status).toBe(200);
    expect((await backend.api('GET', path, { token: admin.access_token })).status).toBe(200);
    const outsider = await backend.api('GET', path, { token: stranger.access_token });
    expect(outsider.status).toBe(403);
    expect(outsider.body).toEqual({
      detail: 'Only the collective owner or the endpoint owner can view this invitation',
    });
    expect((await backend.api('GET', path)).status).toBe(401);
    const other = await dataSource(backend, member);
    const missing = await backend.api('GET', `${C}/${made.id}/invitations/${other.id}`, {
      token: member.access_token,
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Invitation not found' });
  });

  it('invites by path: public endpoints only, manager checked first (T:554-617, C19)', async () => {
    const made = await createCollective(backend, owner.access_token);
    const pub = await dataSource(backend, member);
    const priv = await dataSource(backend, member, { visibility: 'private' });
    const byPath = (json: unknown, account: Account = owner) =>
      backend.api<MemberJson>('POST', `${C}/${made.id}/invitations/by-path`, {
        token: account.access_token,
        json,
      });
    const u = member.user.username;
    const ok = expectShape(
      await byPath({ owner_username: u.toUpperCase(), slug: pub.slug }),
      201,
      CollectiveMember,
    );
    expect(ok).toMatchObject({ status: 'invited', endpoint_id: pub.id });
    expect((await byPath({ owner_username: u, slug: 'no-such-endpoint' })).status).toBe(404);
    expect((await byPath({ owner_username: 'no-such-user-x', slug: pub.slug })).body).toEqual({
      detail: "User 'no-such-user-x' not found",
    });
    expect((await byPath({ owner_username: u, slug: priv.slug })).status).toBe(404);
    const probe = await byPath({ owner_username: 'no-such-user-x', slug: 'nope' }, stranger);
    expect(probe.status).toBe(403);
    for (const json of [
      {},
      { owner_username: u },
      { owner_username: '', slug: 'x' },
      { owner_username: 1, slug: 2 },
    ]) {
      expect((await byPath(json)).status, JSON.stringify(json)).toBe(422);
    }
    await setEndpointColumns(backend, pub.id, { isActive: false });
    const other = await dataSource(backend, member);
    await setEndpointColumns(backend, other.id, { isActive: false });
    expect((await byPath({ owner_username: u, slug: other.slug })).body).toEqual({
      detail: 'Endpoint not found',
    });
  });

  it('refuses to invite endpoints the inviter cannot read; internal ones work (C1)', async () => {
    const made = await createCollective(backend, stranger.access_token);
    const priv = await dataSource(backend, member, { visibility: 'private' });
    const internal = await dataSource(backend, member, { visibility: 'internal' });
    const sentBefore = mail.sent.length;
    const before = await tableCounts(backend);
    const res = await invite(made.id, priv.id, stranger);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Endpoint not found' });
    expect(await tableCounts(backend)).toEqual(before);
    expect((await invite(made.id, internal.id, stranger)).status).toBe(201);
    await vi.waitFor(() => expect(mail.sent.length).toBe(sentBefore + 1));
    expect(mail.sent.at(-1)?.subject).toContain(made.name);
  });

  it('e-mails the endpoint owner with the link and names (T:826, T:910)', async () => {
    const made = await createCollective(backend, owner.access_token, { name: 'Mail <Club>' });
    const source = await dataSource(backend, member);
    const before = mailsTo(member.user.email).length;
    await invite(made.id, source.id);
    await vi.waitFor(() => expect(mailsTo(member.user.email).length).toBe(before + 1));
    const message = mailsTo(member.user.email).at(-1);
    const link = `https://hub.example/collectives/${made.slug}/invitations/${source.id}`;
    expect(message?.text).toContain(link);
    expect(message?.html).toContain(link);
    expect(message?.text).toContain(source.name);
    expect(message?.text).toContain('Member Person');
    expect(message?.html).toContain('Mail &lt;Club&gt;');
    expect(message?.html).not.toContain('<Club>');
    const rendered = invitationEmail({
      frontendUrl: 'https://x.example',
      collectiveSlug: 'c',
      collectiveName: 'Coll',
      endpointId: 7,
      endpointName: 'Ep',
      recipient: { email: 'r@example.com', username: 'r', fullName: '' },
      inviter: { username: 'inviter', fullName: 'Ina Viter' },
    });
    expect(rendered.text).toContain('https://x.example/collectives/c/invitations/7');
    expect(rendered.text).toContain('Ina Viter');
    expect(rendered.text).toContain('Coll');
    expect(rendered.text).toContain('Ep');
    expect(rendered.text).toContain('Hi r,');
  });

  it('sends no e-mail when approving a request or inviting an own endpoint (T:856, T:888)', async () => {
    const made = await createCollective(backend, owner.access_token);
    const source = await dataSource(backend, member);
    await join(made.id, source.id, member);
    const ownSource = await dataSource(backend, owner);
    const before = mail.sent.length;
    expect((await invite(made.id, source.id)).body).toMatchObject({ status: 'approved' });
    expect((await invite(made.id, ownSource.id)).body).toMatchObject({ status: 'invited' });
    // Give a wrongly scheduled send the chance to land before asserting that none did.
    await new Promise((resolve) => setImmediate(resolve));
    expect(mail.sent.length).toBe(before);
  });

  it('throttles re-sent invitation e-mails to one per membership per day (C18)', async () => {
    const made = await createCollective(backend, owner.access_token);
    const source = await dataSource(backend, member);
    const before = mailsTo(member.user.email).length;
    for (let i = 0; i < 3; i++) expect((await invite(made.id, source.id)).status).toBe(201);
    await vi.waitFor(() => expect(mailsTo(member.user.email).length).toBe(before + 1));
    await respondReq(made.id, source.id, 'decline');
    expect((await invite(made.id, source.id)).body).toMatchObject({ status: 'invited' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(mailsTo(member.user.email).length).toBe(before + 1);
    // A day later the next invitation mails again.
    await backend.deps.db
      .update(collectiveMembers)
      .set({ notifiedAt: new Date(Date.now() - 25 * 3600_000) })
      .where(eq(collectiveMembers.endpointId, source.id));
    await invite(made.id, source.id);
    await vi.waitFor(() => expect(mailsTo(member.user.email).length).toBe(before + 2));
  });

  it('works without an e-mail sender (§6.4)', async () => {
    const bare = accounts;
    {
      const made = await createCollective(bare, owner.access_token);
      const source = await dataSource(bare, member);
      const res = await bare.api('POST', `${C}/${made.id}/invitations`, {
        token: owner.access_token,
        json: { endpoint_id: source.id },
      });
      expect(res.status).toBe(201);
      expect((await membershipRow(bare, made.id, source.id))?.notifiedAt).toBeNull();
    }
  });
});

describe('member lists and removal (R15, R18)', () => {
  it('hides non-approved rows from non-managers, 403 when asked (T:747, §14 D7)', async () => {
    const made = await createCollective(backend, owner.access_token);
    const source = await dataSource(backend, member);
    await join(made.id, source.id, member);
    const path = `${C}/${made.id}/members`;
    expect(expectShape(await backend.api('GET', path), 200, Members)).toEqual([]);
    const pending = expectShape(
      await backend.api('GET', `${path}?status=pending`, { token: owner.access_token }),
      200,
      Members,
    );
    expect(pending).toHaveLength(1);
    expect(
      (await backend.api('GET', `${path}?status=pending`, { token: stranger.access_token })).status,
    ).toBe(403);
    const anon = await backend.api('GET', `${path}?status=pending`);
    expect(anon.status).toBe(403);
    expect(anon.body).toEqual({ detail: 'Only the collective owner can view non-approved memberships' });
    expect((await backend.api('GET', `${path}?status=approved`)).status).toBe(200);
    expect((await backend.api('GET', `${path}?status=weird`, { token: owner.access_token })).status).toBe(
      422,
    );
    expect((await backend.api('GET', `${path}?status=pending`, { token: admin.access_token })).status).toBe(
      200,
    );
  });

  it('shows private members to their owner only; internal to signed-in users (T:776, C20)', async () => {
    const made = await createCollective(backend, owner.access_token, { auto_approve: true });
    const priv = await dataSource(backend, member, { visibility: 'private' });
    const internal = await dataSource(backend, member, { visibility: 'internal' });
    await join(made.id, priv.id, member);
    await join(made.id, internal.id, member);
    const path = `${C}/${made.id}/members`;
    expect(expectShape(await backend.api('GET', path), 200, Members)).toEqual([]);
    const signedIn = expectShape(
      await backend.api('GET', path, { token: stranger.access_token }),
      200,
      Members,
    );
    expect(signedIn.map((m) => m.endpoint_id)).toEqual([internal.id]);
    const mine = expectShape(await backend.api('GET', path, { token: member.access_token }), 200, Members);
    expect(mine.map((m) => m.endpoint_id).sort()).toEqual([priv.id, internal.id].sort());
    const managers = expectShape(await backend.api('GET', path, { token: owner.access_token }), 200, Members);
    expect(managers).toHaveLength(2);
    const anonCount = expectShape(await backend.api('GET', `${C}/${made.id}`), 200, Collective);
    expect(anonCount.member_count).toBe(0);
  });

  it('removes by endpoint owner or manager; others 403 (T:801)', async () => {
    const made = await createCollective(backend, owner.access_token, { auto_approve: true });
    const source = await dataSource(backend, member);
    await join(made.id, source.id, member);
    const path = `${C}/${made.id}/members/${source.id}`;
    const denied = await backend.api('DELETE', path, { token: stranger.access_token });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      detail: 'Only the collective owner or the endpoint owner can remove this membership',
    });
    expect((await backend.api('DELETE', path)).status).toBe(401);
    expect((await backend.api('DELETE', path, { token: member.access_token })).status).toBe(204);
    expect(expectShape(await backend.api('GET', `${C}/${made.id}`), 200, Collective).member_count).toBe(0);
    const gone = await backend.api('DELETE', path, { token: owner.access_token });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ detail: 'Membership not found' });
    await join(made.id, source.id, member);
    expect((await backend.api('DELETE', path, { token: owner.access_token })).status).toBe(204);
    await join(made.id, source.id, member);
    expect((await backend.api('DELETE', path, { token: admin.access_token })).status).toBe(204);
  });

  it('lets owners act on inactive endpoints (C15) and re-checks type and archive on accept (C16, C17)', async () => {
    const made = await createCollective(backend, owner.access_token);
    const a = await dataSource(backend, member);
    const b = await dataSource(backend, member);
    const c = await dataSource(backend, member);
    await invite(made.id, a.id);
    await invite(made.id, b.id);
    await invite(made.id, c.id);
    await setEndpointColumns(backend, a.id, { isActive: false });
    const path = `${C}/${made.id}/invitations/${a.id}`;
    expect((await backend.api('GET', path, { token: member.access_token })).status).toBe(200);
    expect((await respondReq(made.id, a.id, 'accept')).body).toMatchObject({ status: 'approved' });
    expect(
      (await backend.api('DELETE', `${C}/${made.id}/members/${a.id}`, { token: member.access_token })).status,
    ).toBe(204);
    await setEndpointColumns(backend, b.id, { archived: true });
    const archived = await respondReq(made.id, b.id, 'accept');
    expect(archived.status).toBe(400);
    expect((await membershipRow(backend, made.id, b.id))?.status).toBe('invited');
    await setEndpointColumns(backend, c.id, { type: 'model' });
    expect((await respondReq(made.id, c.id, 'accept')).status).toBe(400);
    expect((await respondReq(made.id, c.id, 'decline')).body).toMatchObject({ status: 'rejected' });
  });

  it('answers 422 for bad ids and bodies on every membership route', async () => {
    const made = await createCollective(backend, owner.access_token);
    const before = await tableCounts(backend);
    const token = owner.access_token;
    const cases: Array<[string, string, unknown?]> = [
      ['GET', `${C}/x/members`],
      ['POST', `${C}/x/members`, { endpoint_id: 1 }],
      ['POST', `${C}/${made.id}/members`, { endpoint_id: 'one' }],
      ['POST', `${C}/${made.id}/members`, { endpoint_id: 0 }],
      ['POST', `${C}/${made.id}/members`, { endpoint_id: 2 ** 31 }],
      ['POST', `${C}/${made.id}/members`, { endpoint_id: 1.5 }],
      ['POST', `${C}/${made.id}/members`, {}],
      ['POST', `${C}/${made.id}/members/y/review`, { decision: 'approve' }],
      ['POST', `${C}/${made.id}/members/1/review`, {}],
      ['DELETE', `${C}/${made.id}/members/y`],
      ['POST', `${C}/${made.id}/invitations`, { endpoint_id: null }],
      ['GET', `${C}/${made.id}/invitations/y`],
      ['POST', `${C}/${made.id}/invitations/1/respond`, { decision: 'ACCEPT' }],
    ];
    for (const [method, path, json] of cases) {
      const res = await backend.api(method, path, { token, json });
      expect(res.status, `${method} ${path} ${JSON.stringify(json)}`).toBe(422);
    }
    expect(await tableCounts(backend)).toEqual(before);
  });
});

describe('races (C7, C8)', () => {
  it('20 concurrent joins make one row; join racing invite ends approved, never 500', async () => {
    const made = await createCollective(backend, owner.access_token);
    const source = await dataSource(backend, member);
    const joins = await Promise.all(Array.from({ length: 20 }, () => join(made.id, source.id, member)));
    expect(joins.every((r) => r.status === 201)).toBe(true);
    const rows = await backend.deps.db
      .select()
      .from(collectiveMembers)
      .where(eq(collectiveMembers.collectiveId, made.id));
    expect(rows).toHaveLength(1);

    for (const autoApprove of [false, true]) {
      const raced = await createCollective(backend, owner.access_token, { auto_approve: autoApprove });
      const other = await dataSource(backend, member);
      const [a, b] = await Promise.all([join(raced.id, other.id, member), invite(raced.id, other.id)]);
      expect(a.status).toBe(201);
      expect(autoApprove ? [201, 409] : [201]).toContain(b.status);
      expect((await membershipRow(backend, raced.id, other.id))?.status).toBe('approved');
    }
  });

  it('review racing withdrawal is 200 + 204 or 404 + 204, never 500', async () => {
    for (let i = 0; i < 3; i++) {
      const made = await createCollective(backend, owner.access_token);
      const source = await dataSource(backend, member);
      await join(made.id, source.id, member);
      const [reviewed, withdrawn] = await Promise.all([
        reviewReq(made.id, source.id, 'approve'),
        backend.api('DELETE', `${C}/${made.id}/members/${source.id}`, { token: member.access_token }),
      ]);
      expect([200, 404]).toContain(reviewed.status);
      expect([204, 404]).toContain(withdrawn.status);
      expect(reviewed.status === 200 || withdrawn.status === 204).toBe(true);
    }
  });

  it('keeps memberships when the owner is deactivated, but hides them (C21)', async () => {
    const made = await createCollective(backend, owner.access_token, { auto_approve: true });
    const leaving = await accounts.registerUser();
    const source = await dataSource(backend, leaving);
    await join(made.id, source.id, leaving);
    expect(expectShape(await backend.api('GET', `${C}/${made.id}`), 200, Collective).member_count).toBe(1);
    await backend.deps.db.update(users).set({ isActive: false }).where(eq(users.id, leaving.user.id));
    expect(expectShape(await backend.api('GET', `${C}/${made.id}`), 200, Collective).member_count).toBe(0);
    expect((await backend.api('GET', `${C}/by-slug/${made.slug}/endpoint-paths`)).body).toEqual([]);
  });
});
