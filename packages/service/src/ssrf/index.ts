export { DnsResolutionError, InvalidTargetUrlError, SsrfBlockedError } from './errors';
export {
  type CheckedTarget,
  createSsrfGuard,
  type GuardedRequestInit,
  type ResolvedAddress,
  type Resolver,
  type SsrfGuard,
  type SsrfGuardOptions,
} from './guard';
export { isBlockedAddress } from './ranges';
