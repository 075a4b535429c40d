import { describe, expect, it } from 'vitest';
import {
  decodePublicKey,
  decryptRequest,
  decryptResponse,
  deriveKey,
  encryptRequest,
  encryptResponse,
  exportPrivateKey,
  fromBase64Url,
  generateKeyPair,
  importPublicKey,
  keyPairFromPrivate,
  TunnelCipherError,
  toBase64Url,
} from '../src/cipher';

// tunnelling.md §6.4: known answers computed with Python `cryptography` and re-derived with Node `crypto`.
const V = {
  nodePrivate: 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA',
  nodePublic: 'B6N8vBQgk8i3VdwbEOhstCY3StFqqFPtC9_AsrhtHHw',
  requestEphemeralPrivate: 'ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-P0A',
  requestEphemeralPublic: 'WGmv9FBUlzLLqu1eXfmzCm2jHLDldCutWtShp2jxpns',
  responseEphemeralPrivate: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2A',
  responseEphemeralPublic: 'ZLEBsdC-WocEvQePmJUAH8A-jp-VIvGI3RKNmEbUhGY',
  correlationId: '00000000-0000-4000-8000-000000000001',
  requestKeyHex: '405c56f55c82e619ad433866ef489818651d0c23d6254649f32566ae4dce4d06',
  requestNonce: 'oKGio6Slpqeoqaqr',
  requestPlaintext:
    '{"messages":"what is clause 7?","limit":5,"similarity_threshold":0.5,"include_metadata":true}',
  requestCiphertext:
    'Kr3bD6p2XUc15PaF1F0-DEep_kmqRTCZDsxdS71jDs9FO1KgJTV6L93A4Y02931A-xgX98QUYc3_0ahZ8C9xZBSFaS4o9C2FHyV85xRGEWmhk4duyAnLECvBQLt-dh0TAOv8z6JM7gyb217EOw',
  responseKeyHex: 'b03b2ba3544bb41f175f4cfff1d0c0ed6f5277b3226cf779fb3f2fa185836333',
  responseNonce: 'sLGys7S1tre4ubq7',
  responsePlaintext: '{"references":{"documents":[]}}',
  responseCiphertext: 'R_Bkf3z0CG_WFRGbzka8AeV1tlCt9H1vIM3CiVe0C8jjp9ls8ciuhNW80QTJPpk',
};

const node = keyPairFromPrivate(fromBase64Url(V.nodePrivate, 'key'));
const requestEphemeral = keyPairFromPrivate(fromBase64Url(V.requestEphemeralPrivate, 'key'));
const responseEphemeral = keyPairFromPrivate(fromBase64Url(V.responseEphemeralPrivate, 'key'));
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const info = (ephemeral: string, nonce: string) => ({
  algorithm: 'X25519-ECDH-AES-256-GCM',
  ephemeral_public_key: ephemeral,
  nonce,
});

describe('the cipher against the known-answer vectors of §6.4', () => {
  it('derives the public keys from the raw private scalars', () => {
    expect(toBase64Url(node.publicKey)).toBe(V.nodePublic);
    expect(toBase64Url(requestEphemeral.publicKey)).toBe(V.requestEphemeralPublic);
    expect(toBase64Url(responseEphemeral.publicKey)).toBe(V.responseEphemeralPublic);
  });

  it('derives the request and response keys from either side of the exchange', () => {
    const nodePublic = decodePublicKey(V.nodePublic);
    expect(deriveKey(requestEphemeral.privateKey, nodePublic, 'request').toString('hex')).toBe(
      V.requestKeyHex,
    );
    expect(
      deriveKey(node.privateKey, decodePublicKey(V.requestEphemeralPublic), 'request').toString('hex'),
    ).toBe(V.requestKeyHex);
    expect(
      deriveKey(responseEphemeral.privateKey, decodePublicKey(V.requestEphemeralPublic), 'response').toString(
        'hex',
      ),
    ).toBe(V.responseKeyHex);
    expect(
      deriveKey(requestEphemeral.privateKey, decodePublicKey(V.responseEphemeralPublic), 'response').toString(
        'hex',
      ),
    ).toBe(V.responseKeyHex);
  });

  it('derives the same keys from public keys imported once as KeyObjects', () => {
    const nodePublic = importPublicKey(decodePublicKey(V.nodePublic));
    expect(deriveKey(requestEphemeral.privateKey, nodePublic, 'request').toString('hex')).toBe(
      V.requestKeyHex,
    );
    const responsePublic = importPublicKey(decodePublicKey(V.responseEphemeralPublic));
    expect(deriveKey(requestEphemeral.privateKey, responsePublic, 'response').toString('hex')).toBe(
      V.responseKeyHex,
    );
    const { sealed } = encryptRequest(Buffer.from(V.requestPlaintext), nodePublic, V.correlationId, {
      ephemeral: requestEphemeral,
      nonce: fromBase64Url(V.requestNonce, 'nonce'),
    });
    expect(sealed.encrypted_payload).toBe(V.requestCiphertext);
  });

  it('encrypts the request to the vector and the node decrypts the vector', () => {
    const { sealed } = encryptRequest(
      Buffer.from(V.requestPlaintext),
      decodePublicKey(V.nodePublic),
      V.correlationId,
      { ephemeral: requestEphemeral, nonce: fromBase64Url(V.requestNonce, 'nonce') },
    );
    expect(sealed).toEqual({
      encryption_info: info(V.requestEphemeralPublic, V.requestNonce),
      encrypted_payload: V.requestCiphertext,
    });
    const opened = decryptRequest(
      {
        encryption_info: info(V.requestEphemeralPublic, V.requestNonce),
        encrypted_payload: V.requestCiphertext,
      },
      node.privateKey,
      V.correlationId,
    );
    expect(text(opened)).toBe(V.requestPlaintext);
  });

  it('encrypts the response to the vector and the aggregator decrypts the vector', () => {
    const sealed = encryptResponse(
      Buffer.from(V.responsePlaintext),
      decodePublicKey(V.requestEphemeralPublic),
      V.correlationId,
      { ephemeral: responseEphemeral, nonce: fromBase64Url(V.responseNonce, 'nonce') },
    );
    expect(sealed).toEqual({
      encryption_info: info(V.responseEphemeralPublic, V.responseNonce),
      encrypted_payload: V.responseCiphertext,
    });
    const opened = decryptResponse(
      {
        encryption_info: info(V.responseEphemeralPublic, V.responseNonce),
        encrypted_payload: V.responseCiphertext,
      },
      requestEphemeral.privateKey,
      V.correlationId,
    );
    expect(text(opened)).toBe(V.responsePlaintext);
  });

  it('accepts padded keys and nonces on input', () => {
    const opened = decryptResponse(
      {
        encryption_info: info(`${V.responseEphemeralPublic}=`, V.responseNonce),
        encrypted_payload: V.responseCiphertext,
      },
      requestEphemeral.privateKey,
      V.correlationId,
    );
    expect(text(opened)).toBe(V.responsePlaintext);
    expect(toBase64Url(decodePublicKey(`${V.nodePublic}=`))).toBe(V.nodePublic);
  });
});

describe('the cipher refuses what it cannot authenticate', () => {
  const sealedRequest = () =>
    encryptRequest(Buffer.from('{"q":1}'), node.publicKey, 'corr-1').sealed as {
      encryption_info: ReturnType<typeof info>;
      encrypted_payload: string;
    };

  it('fails on tampered ciphertext, a wrong correlation id or the wrong key', () => {
    const sealed = sealedRequest();
    const bytes = fromBase64Url(sealed.encrypted_payload, 'x');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(() =>
      decryptRequest({ ...sealed, encrypted_payload: toBase64Url(bytes) }, node.privateKey, 'corr-1'),
    ).toThrow(TunnelCipherError);
    expect(() => decryptRequest(sealed, node.privateKey, 'corr-2')).toThrow(/authentication failed/);
    expect(() => decryptRequest(sealed, generateKeyPair().privateKey, 'corr-1')).toThrow(TunnelCipherError);
  });

  it('keeps request and response keys apart for the same shared secret', () => {
    const peer = generateKeyPair();
    expect(deriveKey(node.privateKey, peer.publicKey, 'request')).not.toEqual(
      deriveKey(node.privateKey, peer.publicKey, 'response'),
    );
    const { sealed } = encryptRequest(Buffer.from('x'), node.publicKey, 'c');
    // A request sealed with the request label cannot be opened as a response by the same keys.
    expect(() => decryptResponse(sealed, node.privateKey, 'c')).toThrow(TunnelCipherError);
  });

  it('uses a fresh ephemeral key and nonce for every message', () => {
    const a = sealedRequest();
    const b = sealedRequest();
    expect(a.encryption_info.ephemeral_public_key).not.toBe(b.encryption_info.ephemeral_public_key);
    expect(a.encryption_info.nonce).not.toBe(b.encryption_info.nonce);
    expect(fromBase64Url(a.encryption_info.nonce, 'n')).toHaveLength(12);
    expect(a.encryption_info.ephemeral_public_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses malformed keys, nonces, algorithms and truncated ciphertext', () => {
    const sealed = sealedRequest();
    const tries = [
      { ...sealed, encryption_info: { ...sealed.encryption_info, algorithm: 'ROT13' } },
      { ...sealed, encryption_info: { ...sealed.encryption_info, nonce: 'AAAA' } },
      { ...sealed, encryption_info: { ...sealed.encryption_info, ephemeral_public_key: 'not base64!' } },
      { ...sealed, encryption_info: { ...sealed.encryption_info, ephemeral_public_key: 'AAAA' } },
      { ...sealed, encrypted_payload: 'AAAA' },
      { ...sealed, encrypted_payload: '%%%' },
    ];
    for (const bad of tries)
      expect(() => decryptRequest(bad, node.privateKey, 'corr-1')).toThrow(TunnelCipherError);
  });

  it('refuses a low-order peer key instead of agreeing on an all-zero secret', () => {
    expect(() => deriveKey(node.privateKey, Buffer.alloc(32), 'request')).toThrow(/key agreement failed/);
    expect(() => deriveKey(node.privateKey, importPublicKey(Buffer.alloc(32)), 'request')).toThrow(
      /key agreement failed/,
    );
  });

  it('refuses to import a public key of the wrong length', () => {
    expect(() => importPublicKey(Buffer.alloc(31))).toThrow(TunnelCipherError);
    expect(() => deriveKey(node.privateKey, Buffer.alloc(33), 'request')).toThrow(TunnelCipherError);
  });

  it('round-trips a private key through its raw 32 bytes', () => {
    const pair = generateKeyPair();
    const again = keyPairFromPrivate(exportPrivateKey(pair));
    expect(again.publicKey).toEqual(pair.publicKey);
  });
});
