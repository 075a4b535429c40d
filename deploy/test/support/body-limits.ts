// The request body limits of the public routes, in bytes: each service's own limit, which the edge (nginx configs,
// the web image's nginx) must enforce exactly. The stack e2e checks the services against this table, the nginx
// tests check the edge against it.

const KiB = 1024;
const MiB = 1024 * KiB;

export interface BodyLimit {
  /** A public path whose route takes a body (the edge routes by path). */
  path: string;
  /** The largest body the service accepts there. */
  bytes: number;
  /** The service behind the path, and the path it sees (the edge strips /aggregator). */
  service: 'backend' | 'aggregator' | 'mcp';
  servicePath: string;
}

export const BODY_LIMITS: readonly BodyLimit[] = [
  { path: '/api/v1/auth/login', bytes: MiB, service: 'backend', servicePath: '/api/v1/auth/login' },
  { path: '/api/v1/endpoints', bytes: MiB, service: 'backend', servicePath: '/api/v1/endpoints' },
  {
    path: '/api/v1/endpoints/sync',
    bytes: 16 * MiB,
    service: 'backend',
    servicePath: '/api/v1/endpoints/sync',
  },
  {
    path: '/api/v1/errors/report',
    bytes: 64 * KiB,
    service: 'backend',
    servicePath: '/api/v1/errors/report',
  },
  // The invocation proxy, reached through the root dispatch.
  { path: '/alice/model', bytes: MiB, service: 'backend', servicePath: '/alice/model' },
  { path: '/aggregator/api/v1/chat', bytes: 2 * MiB, service: 'aggregator', servicePath: '/api/v1/chat' },
  { path: '/mcp', bytes: MiB, service: 'mcp', servicePath: '/mcp' },
  { path: '/mcp/oauth/token', bytes: 64 * KiB, service: 'mcp', servicePath: '/mcp/oauth/token' },
  { path: '/mcp/oauth/register', bytes: 64 * KiB, service: 'mcp', servicePath: '/mcp/oauth/register' },
  { path: '/register', bytes: 64 * KiB, service: 'mcp', servicePath: '/register' },
  { path: '/mcp/oauth/authorize', bytes: 16 * KiB, service: 'mcp', servicePath: '/mcp/oauth/authorize' },
  { path: '/mcp/oauth/revoke', bytes: 16 * KiB, service: 'mcp', servicePath: '/mcp/oauth/revoke' },
  { path: '/mcp/oauth/userinfo', bytes: MiB, service: 'mcp', servicePath: '/mcp/oauth/userinfo' },
];
