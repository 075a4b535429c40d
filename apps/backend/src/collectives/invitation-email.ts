import { escapeHtml } from '@syfthub/service';
import type { EmailMessage } from '../email/sender';

/** What the invitation e-mail names (collectives.md §6.4). */
export interface InvitationFacts {
  frontendUrl: string;
  collectiveSlug: string;
  collectiveName: string;
  endpointId: number;
  endpointName: string;
  recipient: { email: string; username: string; fullName: string };
  inviter: { username: string; fullName: string };
}

/** The landing page of an invitation: `{FRONTEND_URL}/collectives/<slug>/invitations/<endpoint_id>`. */
export function invitationLink(frontendUrl: string, slug: string, endpointId: number): string {
  return `${frontendUrl.replace(/\/+$/, '')}/collectives/${encodeURIComponent(slug)}/invitations/${endpointId}`;
}

/** The invitation e-mail: subject, plain text and escaped HTML, with the review link in both bodies. */
export function invitationEmail(facts: InvitationFacts): EmailMessage {
  const link = invitationLink(facts.frontendUrl, facts.collectiveSlug, facts.endpointId);
  const greeting = facts.recipient.fullName || facts.recipient.username;
  const inviter = facts.inviter.fullName || facts.inviter.username;
  const h = escapeHtml;
  const text = [
    `Hi ${greeting},`,
    '',
    `${inviter} invited your endpoint "${facts.endpointName}" to join the collective "${facts.collectiveName}" on SyftHub.`,
    '',
    `Review the invitation: ${link}`,
    '',
    'If you were not expecting this, you can ignore this e-mail: nothing changes until you accept.',
  ].join('\n');
  const html = `<p>Hi ${h(greeting)},</p>
<p><strong>${h(inviter)}</strong> invited your endpoint <strong>${h(facts.endpointName)}</strong> to join the collective <strong>${h(facts.collectiveName)}</strong> on SyftHub.</p>
<p><a href="${h(link)}" style="display:inline-block;padding:10px 18px;background:#111;color:#fff;border-radius:6px;text-decoration:none">Review invitation</a></p>
<p>Or open this link: <a href="${h(link)}">${h(link)}</a></p>
<p>If you were not expecting this, you can ignore this e-mail: nothing changes until you accept.</p>`;
  return {
    to: facts.recipient.email,
    subject: `${inviter} invited you to join ${facts.collectiveName} on SyftHub`,
    text,
    html,
  };
}
