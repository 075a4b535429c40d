import {
  CollectiveMember,
  InvitationByPath,
  InvitationDecision,
  MemberStatus,
  MembershipRequest,
  ReviewDecision,
} from '@syfthub/contracts';
import type { User } from '@syfthub/db';
import { z } from 'zod';
import type { Collective } from '../../collectives/collectives';
import { findCollective } from '../../collectives/collectives';
import { invitationEmail } from '../../collectives/invitation-email';
import {
  endpointIdForInvitation,
  getInvitation,
  type InvitationNotice,
  invite,
  listMembers,
  removeMember,
  requestJoin,
  respond,
  review,
} from '../../collectives/memberships';
import { deliverWithRetries } from '../../email/deliver';
import { viewerOf } from '../../endpoints/visibility';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { BY_ID, collectiveIdParams, errors, memberParams, TAGS } from './common';

/** R15-R22: membership requests, reviews, invitations and their answers (collectives.md §6). */
export function registerCollectiveMemberRoutes({ routes, deps }: BackendContext): void {
  const { db, config, logger } = deps;

  /** Sends the invitation e-mail after the answer (§6.4); without a sender the route still works. */
  function notify(collective: Collective, inviter: User, notice: InvitationNotice | null): void {
    if (!notice || !deps.email) return;
    const message = invitationEmail({
      frontendUrl: config.FRONTEND_URL,
      collectiveSlug: collective.slug,
      collectiveName: collective.name,
      endpointId: notice.endpoint.id,
      endpointName: notice.endpoint.name,
      recipient: notice.recipient,
      inviter: { username: inviter.username, fullName: inviter.fullName },
    });
    void deliverWithRetries(deps.email, message, {
      config,
      logger,
      event: 'collective.invitation_email',
      fields: { collective_id: collective.id, endpoint_id: notice.endpoint.id },
    });
  }

  async function inviteAndNotify(collective: Collective, endpointId: number, inviter: User) {
    if (!deps.email) {
      logger.warn({ event: 'collective.invitation_email.skipped', reason: 'e-mail is not configured' });
    }
    const { member, notice } = await invite(db, collective, endpointId, inviter, deps.email !== null);
    notify(collective, inviter, notice);
    return member;
  }

  routes.add(
    {
      method: 'get',
      path: `${BY_ID}/members`,
      summary: 'Memberships of a collective (non-managers: approved members they may see)',
      tags: TAGS,
      auth: 'opt',
      params: collectiveIdParams,
      query: z.object({ status: MemberStatus.optional() }),
      responses: {
        200: { description: 'Memberships, newest first', schema: z.array(CollectiveMember) },
        ...errors(403, 404, 422),
      },
    },
    async (c, { params, query, principal }) => {
      const collective = await findCollective(db, params.collective_id);
      return c.json(await listMembers(db, collective, viewerOf(principal), query.status));
    },
  );

  routes.add(
    {
      method: 'post',
      path: `${BY_ID}/members`,
      summary: 'Ask to join with one of your endpoints',
      tags: TAGS,
      auth: 'user',
      params: collectiveIdParams,
      body: MembershipRequest,
      responses: {
        201: { description: 'The membership (pending, or approved)', schema: CollectiveMember },
        ...errors(400, 401, 403, 404, 409, 422),
      },
    },
    async (c, input) => {
      const collective = await findCollective(db, input.params.collective_id);
      return c.json(await requestJoin(db, collective, input.body.endpoint_id, callerOf(input).user), 201);
    },
  );

  routes.add(
    {
      method: 'post',
      path: `${BY_ID}/members/:endpoint_id/review`,
      summary: 'Approve or reject a pending join request (owner or admin)',
      tags: TAGS,
      auth: 'user',
      params: memberParams,
      body: ReviewDecision,
      responses: {
        200: { description: 'The reviewed membership', schema: CollectiveMember },
        ...errors(401, 403, 404, 409, 422),
      },
    },
    async (c, input) => {
      const collective = await findCollective(db, input.params.collective_id);
      const caller = callerOf(input).user;
      return c.json(await review(db, collective, input.params.endpoint_id, input.body.decision, caller));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: `${BY_ID}/members/:endpoint_id`,
      summary: 'Remove a member, cancel an invitation, leave or withdraw',
      tags: TAGS,
      auth: 'user',
      params: memberParams,
      responses: { 204: { description: 'Removed' }, ...errors(401, 403, 404, 422) },
    },
    async (c, input) => {
      const collective = await findCollective(db, input.params.collective_id);
      await removeMember(db, collective, input.params.endpoint_id, callerOf(input).user);
      return c.body(null, 204);
    },
  );

  routes.add(
    {
      method: 'post',
      path: `${BY_ID}/invitations`,
      summary: 'Invite an endpoint by id (owner or admin); e-mails its owner when a sender is configured',
      tags: TAGS,
      auth: 'user',
      params: collectiveIdParams,
      body: MembershipRequest,
      responses: {
        201: { description: 'The membership (invited, or approved)', schema: CollectiveMember },
        ...errors(400, 401, 403, 404, 409, 422),
      },
    },
    async (c, input) => {
      const collective = await findCollective(db, input.params.collective_id);
      return c.json(await inviteAndNotify(collective, input.body.endpoint_id, callerOf(input).user), 201);
    },
  );

  routes.add(
    {
      method: 'post',
      path: `${BY_ID}/invitations/by-path`,
      summary: 'Invite a public endpoint by owner/slug (owner or admin)',
      tags: TAGS,
      auth: 'user',
      params: collectiveIdParams,
      body: InvitationByPath,
      responses: {
        201: { description: 'The membership (invited, or approved)', schema: CollectiveMember },
        ...errors(400, 401, 403, 404, 409, 422),
      },
    },
    async (c, input) => {
      const caller = callerOf(input).user;
      const collective = await findCollective(db, input.params.collective_id);
      const endpointId = await endpointIdForInvitation(
        db,
        collective,
        caller,
        input.body.owner_username,
        input.body.slug,
      );
      return c.json(await inviteAndNotify(collective, endpointId, caller), 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: `${BY_ID}/invitations/:endpoint_id`,
      summary: 'The membership row behind an invitation link, in any status',
      tags: TAGS,
      auth: 'user',
      params: memberParams,
      responses: {
        200: { description: 'The membership', schema: CollectiveMember },
        ...errors(401, 403, 404, 422),
      },
    },
    async (c, input) => {
      const collective = await findCollective(db, input.params.collective_id);
      return c.json(await getInvitation(db, collective, input.params.endpoint_id, callerOf(input).user));
    },
  );

  routes.add(
    {
      method: 'post',
      path: `${BY_ID}/invitations/:endpoint_id/respond`,
      summary: 'Accept or decline an invitation (endpoint owner or admin)',
      tags: TAGS,
      auth: 'user',
      params: memberParams,
      body: InvitationDecision,
      responses: {
        200: { description: 'The answered membership', schema: CollectiveMember },
        ...errors(400, 401, 403, 404, 409, 422),
      },
    },
    async (c, input) => {
      const collective = await findCollective(db, input.params.collective_id);
      const caller = callerOf(input).user;
      return c.json(await respond(db, collective, input.params.endpoint_id, input.body.decision, caller));
    },
  );
}
