import {
  JOINABLE_ENDPOINT_TYPES,
  type CollectiveMember as MemberJson,
  type MemberStatus,
} from '@syfthub/contracts';
import {
  and,
  type Collective,
  type CollectiveMember,
  collectiveMembers,
  type Db,
  desc,
  endpoints,
  eq,
  type NewCollectiveMember,
  type SQL,
  type Tx,
  users,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import { findEndpointById, findEndpointByPath } from '../endpoints/lookups';
import type { EndpointView } from '../endpoints/views';
import { canManage, readAccess, type Viewer } from '../endpoints/visibility';
import { iso } from '../users/serialize';
import { assertManager } from './collectives';
import { isManager, visibleMember } from './visibility';

const MEMBERSHIP_NOT_FOUND = 'Membership not found';
const INVITATION_NOT_FOUND = 'Invitation not found';
const ENDPOINT_NOT_FOUND = 'Endpoint not found';
const NOT_ENDPOINT_OWNER = 'You can only manage memberships for your own endpoints';
const ALREADY_MEMBER = 'Endpoint is already a member of this collective';

/** Invitation e-mails for one membership are re-sent at most once per this interval (C18). */
const INVITATION_MAIL_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** A membership row with what its JSON shows of the endpoint and its owner. */
const memberFields = {
  member: collectiveMembers,
  endpointName: endpoints.name,
  endpointDescription: endpoints.description,
  endpointSlug: endpoints.slug,
  endpointType: endpoints.type,
  endpointIsActive: endpoints.isActive,
  endpointUserId: endpoints.userId,
  ownerUsername: users.username,
  ownerFullName: users.fullName,
  ownerIsActive: users.isActive,
};

type MemberView = {
  member: CollectiveMember;
  endpointName: string;
  endpointDescription: string;
  endpointSlug: string;
  endpointType: string;
  endpointIsActive: boolean;
  endpointUserId: number;
  ownerUsername: string;
  ownerFullName: string;
  ownerIsActive: boolean;
};

function selectMembers(db: Db | Tx, where: SQL | undefined) {
  return db
    .select(memberFields)
    .from(collectiveMembers)
    .innerJoin(endpoints, eq(endpoints.id, collectiveMembers.endpointId))
    .innerJoin(users, eq(users.id, endpoints.userId))
    .where(where)
    .$dynamic();
}

/** `CollectiveMember` (collectives.md §2.4): endpoint identity only when the caller may be shown it. */
function memberJson(view: MemberView, viewer: Viewer): MemberJson {
  const { member } = view;
  const shown =
    (view.endpointIsActive && view.ownerIsActive) || canManage({ userId: view.endpointUserId }, viewer);
  return {
    id: member.id,
    collective_id: member.collectiveId,
    endpoint_id: member.endpointId,
    status: member.status,
    requested_at: iso(member.requestedAt) as string,
    responded_at: iso(member.respondedAt),
    reviewed_by_user_id: member.reviewedByUserId,
    endpoint_name: shown ? view.endpointName : null,
    endpoint_description: shown ? view.endpointDescription : null,
    endpoint_slug: shown ? view.endpointSlug : null,
    endpoint_owner_username: shown ? view.ownerUsername : null,
    endpoint_owner_full_name: shown ? view.ownerFullName : null,
    endpoint_type: shown ? view.endpointType : null,
  };
}

async function memberJsonOf(db: Db, id: number, viewer: Viewer): Promise<MemberJson> {
  const [view] = await selectMembers(db, eq(collectiveMembers.id, id)).limit(1);
  if (!view) throw new ApiError(404, MEMBERSHIP_NOT_FOUND);
  return memberJson(view, viewer);
}

function pairWhere(collectiveId: number, endpointId: number): SQL {
  return and(
    eq(collectiveMembers.collectiveId, collectiveId),
    eq(collectiveMembers.endpointId, endpointId),
  ) as SQL;
}

async function findRow(db: Db | Tx, collectiveId: number, endpointId: number) {
  const [row] = await db.select().from(collectiveMembers).where(pairWhere(collectiveId, endpointId)).limit(1);
  return row ?? null;
}

/**
 * The endpoint a membership action names: 404 when it does not exist or the caller may not read it (C1), 403
 * `ownerOnly` when the caller may read it but neither owns it nor is an admin nor `alsoAllowed`.
 */
async function endpointFor(
  db: Db,
  endpointId: number,
  viewer: Viewer,
  ownerOnly: string | null,
  alsoAllowed = false,
) {
  const endpoint = await findEndpointById(db, endpointId);
  if (!endpoint) throw new ApiError(404, ENDPOINT_NOT_FOUND);
  if (alsoAllowed || canManage(endpoint, viewer)) return endpoint;
  if (readAccess(endpoint, viewer) !== 'granted') throw new ApiError(404, ENDPOINT_NOT_FOUND);
  if (ownerOnly) throw new ApiError(403, ownerOnly);
  return endpoint;
}

/** Only active-type, non-archived data sources may enter (S:62-67, C16, C17). */
function assertJoinable(endpoint: Pick<EndpointView, 'type' | 'archived'>): void {
  if (!JOINABLE_ENDPOINT_TYPES.includes(endpoint.type)) {
    throw new ApiError(
      400,
      'Only data source endpoints can join a collective; model and agent endpoints are not eligible',
    );
  }
  if (endpoint.archived) throw new ApiError(400, 'Archived endpoints cannot join collectives');
}

type Transition = { set: Partial<NewCollectiveMember> } | { unchanged: true };

/**
 * One membership transition without races (C7): insert the fresh row or, when the pair exists, lock it and let
 * `next` decide from its status; all in one transaction, so concurrent joins and invitations serialise on the row.
 */
async function transition(
  db: Db,
  collectiveId: number,
  endpointId: number,
  fresh: Omit<NewCollectiveMember, 'collectiveId' | 'endpointId'>,
  next: (row: CollectiveMember) => Transition,
  after?: (tx: Tx, row: CollectiveMember, created: boolean) => Promise<void>,
): Promise<CollectiveMember> {
  return db.transaction(async (tx) => {
    // A row deleted between the conflicting insert and the lock leaves nothing to lock: insert again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const [inserted] = await tx
        .insert(collectiveMembers)
        .values({ ...fresh, collectiveId, endpointId })
        .onConflictDoNothing({ target: [collectiveMembers.collectiveId, collectiveMembers.endpointId] })
        .returning();
      if (inserted) {
        await after?.(tx, inserted, true);
        return inserted;
      }
      const [current] = await tx
        .select()
        .from(collectiveMembers)
        .where(pairWhere(collectiveId, endpointId))
        .for('update');
      if (!current) continue;
      const step = next(current);
      let row = current;
      if ('set' in step) {
        const [updated] = await tx
          .update(collectiveMembers)
          .set(step.set)
          .where(eq(collectiveMembers.id, current.id))
          .returning();
        row = updated as CollectiveMember;
      }
      await after?.(tx, row, false);
      return row;
    }
    throw new ApiError(409, 'The membership changed while it was being updated; please try again');
  });
}

/**
 * Moves a row from `expected` to a new status only if it is still in `expected` (C8); otherwise re-reads it to
 * answer 404 (gone) or 409 `conflict` (moved on).
 */
async function conditionalUpdate(
  db: Db,
  collectiveId: number,
  endpointId: number,
  expected: MemberStatus,
  set: Partial<NewCollectiveMember>,
  messages: { notFound: string; conflict: string },
): Promise<CollectiveMember> {
  const [updated] = await db
    .update(collectiveMembers)
    .set(set)
    .where(and(pairWhere(collectiveId, endpointId), eq(collectiveMembers.status, expected)))
    .returning();
  if (updated) return updated;
  const row = await findRow(db, collectiveId, endpointId);
  if (!row) throw new ApiError(404, messages.notFound);
  throw new ApiError(409, messages.conflict);
}

/** R15: managers every row (or one status); others the approved members they may see (V, C20). */
export async function listMembers(
  db: Db,
  collective: Collective,
  viewer: Viewer,
  status: MemberStatus | undefined,
): Promise<MemberJson[]> {
  const manager = isManager(collective, viewer);
  let filter: SQL | undefined;
  if (manager) {
    filter = status ? eq(collectiveMembers.status, status) : undefined;
  } else {
    if (status && status !== 'approved') {
      throw new ApiError(403, 'Only the collective owner can view non-approved memberships');
    }
    filter = visibleMember(viewer);
  }
  const rows = await selectMembers(
    db,
    and(eq(collectiveMembers.collectiveId, collective.id), filter),
  ).orderBy(desc(collectiveMembers.requestedAt), desc(collectiveMembers.id));
  return rows.map((row) => memberJson(row, viewer));
}

/** R16: the endpoint owner (or an admin) asks to join; transitions of collectives.md §6.2. */
export async function requestJoin(
  db: Db,
  collective: Collective,
  endpointId: number,
  viewer: NonNullable<Viewer>,
): Promise<MemberJson> {
  const endpoint = await endpointFor(db, endpointId, viewer, NOT_ENDPOINT_OWNER);
  assertJoinable(endpoint);
  const now = new Date();
  const opened = (): Partial<NewCollectiveMember> => ({
    status: collective.autoApprove ? 'approved' : 'pending',
    requestedAt: now,
    respondedAt: collective.autoApprove ? now : null,
    reviewedByUserId: null,
  });
  const row = await transition(db, collective.id, endpoint.id, opened(), (current) => {
    switch (current.status) {
      case 'pending':
        return { unchanged: true };
      case 'invited':
        return { set: { status: 'approved', respondedAt: now, reviewedByUserId: viewer.id } };
      case 'approved':
        throw new ApiError(409, ALREADY_MEMBER);
      case 'rejected':
        return { set: opened() };
    }
  });
  return memberJsonOf(db, row.id, viewer);
}

/** What the caller of {@link invite} must send after answering, when an e-mail is due. */
export interface InvitationNotice {
  endpoint: EndpointView;
  recipient: { email: string; username: string; fullName: string };
}

/**
 * R19: the collective's manager invites an endpoint they may read (C1); transitions of collectives.md §6.3.
 * `mailer` says whether an e-mail can be sent; the notice is returned only when one is due and not throttled
 * (C18), and the row's `notified_at` is stamped in the same transaction.
 */
export async function invite(
  db: Db,
  collective: Collective,
  endpointId: number,
  viewer: NonNullable<Viewer>,
  canMail: boolean,
): Promise<{ member: MemberJson; notice: InvitationNotice | null }> {
  assertManager(collective, viewer);
  const endpoint = await endpointFor(db, endpointId, viewer, null);
  assertJoinable(endpoint);
  const now = new Date();
  let mailDue = false;
  const row = await transition(
    db,
    collective.id,
    endpoint.id,
    { status: 'invited', requestedAt: now, invitedByUserId: viewer.id },
    (current) => {
      switch (current.status) {
        case 'invited':
          mailDue = true;
          return { unchanged: true };
        case 'pending':
          return { set: { status: 'approved', respondedAt: now, reviewedByUserId: viewer.id } };
        case 'approved':
          throw new ApiError(409, ALREADY_MEMBER);
        case 'rejected':
          mailDue = true;
          return {
            set: {
              status: 'invited',
              requestedAt: now,
              respondedAt: null,
              reviewedByUserId: null,
              invitedByUserId: viewer.id,
            },
          };
      }
    },
    async (tx, current, created) => {
      if (created) mailDue = true;
      const throttled =
        current.notifiedAt !== null &&
        now.getTime() - current.notifiedAt.getTime() < INVITATION_MAIL_INTERVAL_MS;
      mailDue = mailDue && canMail && endpoint.userId !== viewer.id && !throttled;
      if (mailDue) {
        await tx
          .update(collectiveMembers)
          .set({ notifiedAt: now })
          .where(eq(collectiveMembers.id, current.id));
      }
    },
  );
  let notice: InvitationNotice | null = null;
  if (mailDue) {
    const [owner] = await db
      .select({ email: users.email, username: users.username, fullName: users.fullName })
      .from(users)
      .where(eq(users.id, endpoint.userId))
      .limit(1);
    if (owner?.email) notice = { endpoint, recipient: owner };
  }
  return { member: await memberJsonOf(db, row.id, viewer), notice };
}

/**
 * R20's lookup: the manager check first (C19), then `owner/slug` (case-insensitive) to a public endpoint in any
 * state; R19's checks follow in {@link invite}.
 */
export async function endpointIdForInvitation(
  db: Db,
  collective: Collective,
  viewer: Viewer,
  ownerUsername: string,
  slug: string,
): Promise<number> {
  assertManager(collective, viewer);
  const owner = ownerUsername.toLowerCase();
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.username, owner)).limit(1);
  if (!user) throw new ApiError(404, `User '${ownerUsername}' not found`);
  const endpoint = await findEndpointByPath(db, owner, slug.toLowerCase());
  if (endpoint?.visibility !== 'public') {
    throw new ApiError(404, `Endpoint '${ownerUsername}/${slug}' not found`);
  }
  return endpoint.id;
}

/** R17: a manager approves or rejects a `pending` request. */
export async function review(
  db: Db,
  collective: Collective,
  endpointId: number,
  decision: 'approve' | 'reject',
  viewer: NonNullable<Viewer>,
): Promise<MemberJson> {
  assertManager(collective, viewer);
  const row = await conditionalUpdate(
    db,
    collective.id,
    endpointId,
    'pending',
    {
      status: decision === 'approve' ? 'approved' : 'rejected',
      respondedAt: new Date(),
      reviewedByUserId: viewer.id,
    },
    { notFound: MEMBERSHIP_NOT_FOUND, conflict: 'This membership has no pending join request to review' },
  );
  return memberJsonOf(db, row.id, viewer);
}

/** R22: the endpoint owner (or an admin) accepts or declines an invitation; accept re-checks type and archive. */
export async function respond(
  db: Db,
  collective: Collective,
  endpointId: number,
  decision: 'accept' | 'decline',
  viewer: NonNullable<Viewer>,
): Promise<MemberJson> {
  const endpoint = await endpointFor(db, endpointId, viewer, NOT_ENDPOINT_OWNER);
  const current = await findRow(db, collective.id, endpoint.id);
  if (!current) throw new ApiError(404, INVITATION_NOT_FOUND);
  const conflict = 'There is no pending invitation for this endpoint';
  if (current.status !== 'invited') throw new ApiError(409, conflict);
  if (decision === 'accept') assertJoinable(endpoint);
  const row = await conditionalUpdate(
    db,
    collective.id,
    endpoint.id,
    'invited',
    {
      status: decision === 'accept' ? 'approved' : 'rejected',
      respondedAt: new Date(),
      reviewedByUserId: viewer.id,
    },
    { notFound: INVITATION_NOT_FOUND, conflict },
  );
  return memberJsonOf(db, row.id, viewer);
}

/** R21: the row in any status, for the collective's managers and the endpoint's owner. */
export async function getInvitation(
  db: Db,
  collective: Collective,
  endpointId: number,
  viewer: NonNullable<Viewer>,
): Promise<MemberJson> {
  const endpoint = await endpointFor(
    db,
    endpointId,
    viewer,
    'Only the collective owner or the endpoint owner can view this invitation',
    isManager(collective, viewer),
  );
  const row = await findRow(db, collective.id, endpoint.id);
  if (!row) throw new ApiError(404, INVITATION_NOT_FOUND);
  return memberJsonOf(db, row.id, viewer);
}

/** R18: a manager removes or cancels, the endpoint owner leaves or withdraws; shared-endpoint config is kept. */
export async function removeMember(
  db: Db,
  collective: Collective,
  endpointId: number,
  viewer: NonNullable<Viewer>,
): Promise<void> {
  const [view] = await selectMembers(db, pairWhere(collective.id, endpointId)).limit(1);
  if (!view) throw new ApiError(404, MEMBERSHIP_NOT_FOUND);
  if (!isManager(collective, viewer) && view.endpointUserId !== viewer.id) {
    throw new ApiError(403, 'Only the collective owner or the endpoint owner can remove this membership');
  }
  const deleted = await db
    .delete(collectiveMembers)
    .where(eq(collectiveMembers.id, view.member.id))
    .returning({ id: collectiveMembers.id });
  if (deleted.length === 0) throw new ApiError(404, MEMBERSHIP_NOT_FOUND);
}
