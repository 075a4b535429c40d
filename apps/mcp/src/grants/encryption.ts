import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const MAX_KID_LENGTH = 32;

/** A sealed value: the key id it was sealed with and `nonce ‖ ciphertext ‖ tag` (mcp.md §7.3). */
export interface Sealed {
  kid: string;
  data: Buffer;
}

/** The AES-256-GCM keys of `MCP_TOKEN_ENCRYPTION_KEYS`, the first one current. */
export interface EncryptionKeys {
  readonly currentKid: string;
  /** True when no keys were configured and a throwaway one was generated (development only). */
  readonly ephemeral: boolean;
  seal(plaintext: string, aad: string): Sealed;
  /** Throws when the key id is unknown or the data was tampered with. */
  open(sealed: Sealed, aad: string): string;
  /** `seal` as one string, `<kid>.<base64url>`, for Redis values. */
  sealToString(plaintext: string, aad: string): string;
  openString(value: string, aad: string): string;
  /** HMAC-SHA256 (base64url) under a sub-key of the current key; for the authorization-request cookie. */
  mac(value: string): string;
  verifyMac(value: string, mac: string): boolean;
}

export class EncryptionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionKeyError';
  }
}

/** Parses `kid:base64(32 bytes)[,kid:base64(32 bytes)...]`. */
export function parseEncryptionKeys(value: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new EncryptionKeyError(`MCP_TOKEN_ENCRYPTION_KEYS entry is not "kid:base64key"`);
    const kid = entry.slice(0, colon).trim();
    if (kid.length > MAX_KID_LENGTH || !/^[A-Za-z0-9._-]+$/.test(kid)) {
      throw new EncryptionKeyError(
        `MCP_TOKEN_ENCRYPTION_KEYS key id "${kid.slice(0, 40)}" must be 1..${MAX_KID_LENGTH} characters of [A-Za-z0-9._-]`,
      );
    }
    const key = Buffer.from(entry.slice(colon + 1).trim(), 'base64');
    if (key.length !== KEY_BYTES) {
      throw new EncryptionKeyError(
        `MCP_TOKEN_ENCRYPTION_KEYS key "${kid}" must be base64 of exactly 32 bytes`,
      );
    }
    if (keys.has(kid)) throw new EncryptionKeyError(`MCP_TOKEN_ENCRYPTION_KEYS lists key id "${kid}" twice`);
    keys.set(kid, key);
  }
  if (keys.size === 0) throw new EncryptionKeyError('MCP_TOKEN_ENCRYPTION_KEYS holds no key');
  return keys;
}

/** A fresh `kid:base64key` value for `MCP_TOKEN_ENCRYPTION_KEYS`. */
export function generateEncryptionKeySetting(kid: string): string {
  return `${kid}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

export function createEncryptionKeys(setting: string | undefined): EncryptionKeys {
  const ephemeral = setting === undefined || setting.trim() === '';
  const keys = ephemeral
    ? new Map([[`dev-${randomBytes(4).toString('hex')}`, randomBytes(KEY_BYTES)]])
    : parseEncryptionKeys(setting);
  const [currentKid, currentKey] = [...keys][0] as [string, Buffer];
  // A separate sub-key keeps MAC outputs from ever being related to the encryption use of the same key.
  const macKey = Buffer.from(
    hkdfSync('sha256', currentKey, Buffer.alloc(0), 'mcp-authreq-cookie', KEY_BYTES),
  );

  function seal(plaintext: string, aad: string): Sealed {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', currentKey, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { kid: currentKid, data: Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]) };
  }

  function open(sealed: Sealed, aad: string): string {
    const key = keys.get(sealed.kid);
    if (!key) throw new EncryptionKeyError(`unknown encryption key id "${sealed.kid}"`);
    if (sealed.data.length < NONCE_BYTES + TAG_BYTES) throw new EncryptionKeyError('sealed value too short');
    const nonce = sealed.data.subarray(0, NONCE_BYTES);
    const tag = sealed.data.subarray(sealed.data.length - TAG_BYTES);
    const ciphertext = sealed.data.subarray(NONCE_BYTES, sealed.data.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  }

  function mac(value: string): string {
    return createHmac('sha256', macKey).update(value, 'utf8').digest('base64url');
  }

  return {
    currentKid,
    ephemeral,
    seal,
    open,
    sealToString(plaintext, aad) {
      const sealed = seal(plaintext, aad);
      return `${sealed.kid}.${sealed.data.toString('base64url')}`;
    },
    openString(value, aad) {
      const dot = value.indexOf('.');
      if (dot <= 0) throw new EncryptionKeyError('malformed sealed value');
      return open({ kid: value.slice(0, dot), data: Buffer.from(value.slice(dot + 1), 'base64url') }, aad);
    },
    mac,
    verifyMac(value, given) {
      const expected = Buffer.from(mac(value));
      const actual = Buffer.from(given);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}
