import type { Endpoint, EndpointView } from '@syfthub/contracts';

/** Whether a read by path returned the owner view (owners and admins) rather than the public one. */
export function isOwnerView(endpoint: EndpointView): endpoint is Endpoint {
  return 'user_id' in endpoint;
}
