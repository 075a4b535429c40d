export { createEdge, type EdgeTargets, type FetchHandler, wantsOwnerApi } from './edge';
export { DEMO_USER, type LocalHub, type LocalHubOptions, startLocalHub } from './local-hub';
