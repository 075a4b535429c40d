import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { type EncryptionInfo, TUNNEL_ALGORITHM } from '@syfthub/contracts';

// The end-to-end cipher of tunnelling.md §6: X25519 key agreement, HKDF-SHA256 with a label per direction, and
// AES-256-GCM with the correlation id as associated data. Keys travel as unpadded base64url of the raw 32 bytes.

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const REQUEST_LABEL = Buffer.from('syfthub-tunnel-request-v1');
const RESPONSE_LABEL = Buffer.from('syfthub-tunnel-response-v1');
/** "No salt" in HKDF means a hash-length block of zeros (RFC 5869 §2.2). */
const NO_SALT = Buffer.alloc(32);
// The DER header that turns a raw X25519 private scalar into PKCS#8 for Node's key import (§6.4).
const PKCS8_HEADER = Buffer.from('302e020100300506032b656e04220420', 'hex');
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Any failure to decode, agree on a key, or authenticate: the message says which part was wrong. */
export class TunnelCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TunnelCipherError';
  }
}

export type Direction = 'request' | 'response';

export interface X25519KeyPair {
  privateKey: KeyObject;
  /** Raw 32-byte public key. */
  publicKey: Buffer;
}

/** A sealed payload as it sits in an envelope. */
export interface SealedPayload {
  encryption_info: EncryptionInfo;
  encrypted_payload: string;
}

/** Unpadded URL-safe base64, the encoding of every key, nonce and ciphertext on the wire. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Decodes URL-safe base64 with or without padding; refuses other alphabets instead of skipping characters. */
export function fromBase64Url(text: string, what: string): Buffer {
  if (!BASE64URL.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new TunnelCipherError(`${what} is not URL-safe base64`);
  }
  return Buffer.from(text, 'base64url');
}

function exactBytes(text: string, length: number, what: string): Buffer {
  const bytes = fromBase64Url(text, what);
  if (bytes.length !== length) throw new TunnelCipherError(`${what} must be ${length} bytes`);
  return bytes;
}

/** Decodes a public key of the wire (padded or not) to its raw 32 bytes. */
export function decodePublicKey(text: string): Buffer {
  return exactBytes(text, KEY_BYTES, 'public key');
}

/** The raw 32 bytes of a public KeyObject (JWK export: far cheaper than DER in OpenSSL 3). */
function rawPublicKey(publicKey: KeyObject): Buffer {
  return Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
}

/**
 * A raw 32-byte public key as a KeyObject. Imported as a JWK: OpenSSL 3 decodes DER (SubjectPublicKeyInfo) through
 * its generic decoder, several times slower than this. Import a key once when it is used for many messages.
 */
export function importPublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== KEY_BYTES) throw new TunnelCipherError(`public key must be ${KEY_BYTES} bytes`);
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: toBase64Url(raw) }, format: 'jwk' });
  } catch {
    throw new TunnelCipherError('public key cannot be imported');
  }
}

export function generateKeyPair(): X25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: rawPublicKey(publicKey) };
}

/** The pair of a raw 32-byte private scalar (unclamped, as stored in a node's key file). */
export function keyPairFromPrivate(raw: Uint8Array): X25519KeyPair {
  if (raw.length !== KEY_BYTES) throw new TunnelCipherError(`private key must be ${KEY_BYTES} bytes`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_HEADER, raw]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

/** The raw 32-byte private scalar, for a key file. */
export function exportPrivateKey(pair: X25519KeyPair): Buffer {
  const jwk = pair.privateKey.export({ format: 'jwk' });
  return Buffer.from(jwk.d ?? '', 'base64url');
}

/** A peer's public key: its raw 32 bytes, or the KeyObject {@link importPublicKey} made of them. */
export type PublicKeyInput = Uint8Array | KeyObject;

const isKeyObject = (key: PublicKeyInput): key is KeyObject => !(key instanceof Uint8Array);

/** `HKDF-SHA256(X25519(own, peer), no salt, label of the direction, 32)` (§6.2 step 3, §6.3 step 3). */
export function deriveKey(ownPrivate: KeyObject, peerPublic: PublicKeyInput, direction: Direction): Buffer {
  const publicKey = isKeyObject(peerPublic) ? peerPublic : importPublicKey(peerPublic);
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: ownPrivate, publicKey });
  } catch {
    // Low-order points give an all-zero secret, which OpenSSL refuses; either way the peer key is unusable.
    throw new TunnelCipherError('key agreement failed');
  }
  const label = direction === 'request' ? REQUEST_LABEL : RESPONSE_LABEL;
  return Buffer.from(hkdfSync('sha256', shared, NO_SALT, label, KEY_BYTES));
}

/** AES-256-GCM with the tag appended to the ciphertext. */
export function seal(key: Buffer, plaintext: Uint8Array, aad: string, nonce: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

export function open(key: Buffer, sealed: Buffer, aad: string, nonce: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new TunnelCipherError('ciphertext is shorter than its tag');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new TunnelCipherError('authentication failed (wrong key, correlation id or tampered data)');
  }
}

/** Fixed ephemeral key and nonce, for the known-answer tests only; production calls take fresh random ones. */
export interface SealOptions {
  ephemeral?: X25519KeyPair;
  nonce?: Buffer;
}

function sealWith(
  direction: Direction,
  plaintext: Uint8Array,
  peerPublic: PublicKeyInput,
  correlationId: string,
  options: SealOptions,
): { sealed: SealedPayload; ephemeral: X25519KeyPair } {
  const ephemeral = options.ephemeral ?? generateKeyPair();
  const nonce = options.nonce ?? randomBytes(NONCE_BYTES);
  const key = deriveKey(ephemeral.privateKey, peerPublic, direction);
  return {
    ephemeral,
    sealed: {
      encryption_info: {
        algorithm: TUNNEL_ALGORITHM,
        ephemeral_public_key: toBase64Url(ephemeral.publicKey),
        nonce: toBase64Url(nonce),
      },
      encrypted_payload: toBase64Url(seal(key, plaintext, correlationId, nonce)),
    },
  };
}

function openWith(
  direction: Direction,
  sealed: SealedPayload,
  ownPrivate: KeyObject,
  correlationId: string,
): Buffer {
  const info = sealed.encryption_info;
  if (info.algorithm !== TUNNEL_ALGORITHM) {
    throw new TunnelCipherError(`unsupported algorithm ${JSON.stringify(info.algorithm.slice(0, 64))}`);
  }
  const peerPublic = importPublicKey(
    exactBytes(info.ephemeral_public_key, KEY_BYTES, 'ephemeral public key'),
  );
  const nonce = exactBytes(info.nonce, NONCE_BYTES, 'nonce');
  const ciphertext = fromBase64Url(sealed.encrypted_payload, 'encrypted payload');
  return open(deriveKey(ownPrivate, peerPublic, direction), ciphertext, correlationId, nonce);
}

/**
 * Seals a request payload to a node's long-term key (§6.2). Keep `ephemeral.privateKey` until the reply
 * arrives: the node encrypts its answer to `ephemeral.publicKey`.
 */
export function encryptRequest(
  plaintext: Uint8Array,
  nodePublicKey: PublicKeyInput,
  correlationId: string,
  options: SealOptions = {},
): { sealed: SealedPayload; ephemeral: X25519KeyPair } {
  return sealWith('request', plaintext, nodePublicKey, correlationId, options);
}

/** Opens a request with the node's long-term private key (§6.2, node side). */
export function decryptRequest(sealed: SealedPayload, nodePrivate: KeyObject, correlationId: string): Buffer {
  return openWith('request', sealed, nodePrivate, correlationId);
}

/** Seals a response to the request's ephemeral public key (§6.3), with a fresh ephemeral key of its own. */
export function encryptResponse(
  plaintext: Uint8Array,
  requestEphemeralPublic: PublicKeyInput,
  correlationId: string,
  options: SealOptions = {},
): SealedPayload {
  return sealWith('response', plaintext, requestEphemeralPublic, correlationId, options).sealed;
}

/** Opens a response with the request's ephemeral private key (§6.3, aggregator side). */
export function decryptResponse(
  sealed: SealedPayload,
  requestEphemeralPrivate: KeyObject,
  correlationId: string,
): Buffer {
  return openWith('response', sealed, requestEphemeralPrivate, correlationId);
}
