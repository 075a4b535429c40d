import type { Kv } from '@syfthub/service';
import { randomToken, sha256Hex } from './params';

/** A validated `/authorize` request waiting for the sign-in form (mcp.md §4.3, stored in Redis). */
export interface PendingAuthorization {
  clientId: string;
  redirectUri: string;
  scope: string;
  resource: string;
  codeChallenge: string;
  state?: string;
  nonce?: string;
  loginHint?: string;
  /** What the consent page shows: kept so a re-rendered page (wrong password) needs no client lookup. */
  display: ConsentDisplay;
}

export interface ConsentDisplay {
  clientName: string | null;
  redirectHost: string;
  /** Host of a CIMD client id URL, the only part of such a client's identity that is verified. */
  clientIdHost: string | null;
}

/** What an authorization code stands for (mcp.md §4.3). */
export interface IssuedCode {
  grantId: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  resource: string;
  codeChallenge: string;
  nonce?: string;
  authTime: number;
  userId: number;
}

const requestKey = (id: string) => `mcp:oauth:authreq:${id}`;
const codeKey = (hash: string) => `mcp:oauth:code:${hash}`;
const usedCodeKey = (hash: string) => `mcp:oauth:code-used:${hash}`;
/** How long a redeemed code is remembered, so a replay can be recognised and punished. */
const USED_CODE_TTL_SECONDS = 600;

function parse<T>(value: string | null): T | null {
  return value === null ? null : (JSON.parse(value) as T);
}

export interface PendingStore {
  saveRequest(request: PendingAuthorization, ttlSeconds: number): Promise<string>;
  findRequest(id: string): Promise<PendingAuthorization | null>;
  /** Atomically removes the request, so one form submission wins when several race. */
  takeRequest(id: string): Promise<PendingAuthorization | null>;
  deleteRequest(id: string): Promise<void>;
  issueCode(code: IssuedCode, ttlSeconds: number): Promise<string>;
  /** Takes the code atomically (GETDEL): exactly one redemption can ever see it. */
  takeCode(code: string): Promise<{ hash: string; issued: IssuedCode | null }>;
  markCodeUsed(hash: string, grantId: string): Promise<void>;
  /** The grant a replayed code created, when the code was already redeemed. */
  replayedCodeGrant(hash: string): Promise<string | null>;
}

export function createPendingStore(kv: Kv): PendingStore {
  return {
    async saveRequest(request, ttlSeconds) {
      const id = randomToken(32);
      await kv.set(requestKey(id), JSON.stringify(request), { ttlSeconds });
      return id;
    },
    async findRequest(id) {
      return parse<PendingAuthorization>(await kv.get(requestKey(id)));
    },
    async takeRequest(id) {
      return parse<PendingAuthorization>(await kv.getdel(requestKey(id)));
    },
    async deleteRequest(id) {
      await kv.del(requestKey(id));
    },
    async issueCode(issued, ttlSeconds) {
      const code = randomToken(32);
      await kv.set(codeKey(sha256Hex(code)), JSON.stringify(issued), { ttlSeconds });
      return code;
    },
    async takeCode(code) {
      const hash = sha256Hex(code);
      return { hash, issued: parse<IssuedCode>(await kv.getdel(codeKey(hash))) };
    },
    async markCodeUsed(hash, grantId) {
      await kv.set(usedCodeKey(hash), grantId, { ttlSeconds: USED_CODE_TTL_SECONDS });
    },
    async replayedCodeGrant(hash) {
      return kv.get(usedCodeKey(hash));
    },
  };
}
