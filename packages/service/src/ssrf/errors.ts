import { ApiError } from '../errors';

/** The target resolves (at least partly) to an address outbound calls must never reach. */
export class SsrfBlockedError extends ApiError {
  constructor(
    public readonly host: string,
    public readonly address: string,
  ) {
    super(403, 'Access to internal or private IP addresses is not allowed');
    this.name = 'SsrfBlockedError';
  }
}

/** The target's host name did not resolve to any address. */
export class DnsResolutionError extends ApiError {
  constructor(
    public readonly host: string,
    options?: { cause?: unknown },
  ) {
    super(400, `Could not resolve domain: ${host}`);
    this.name = 'DnsResolutionError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The target is not an absolute http(s) URL, so there is nothing the guard could vet. */
export class InvalidTargetUrlError extends ApiError {
  constructor(public readonly url: string) {
    super(400, 'Invalid URL');
    this.name = 'InvalidTargetUrlError';
  }
}
