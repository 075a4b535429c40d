import { describe, expect, it } from 'vitest';
import { decryptRequest, fromBase64Url, generateKeyPair, toBase64Url } from '../src/cipher';
import {
  buildResponse,
  openRequest,
  openResponse,
  parseRequestEnvelope,
  parseResponseEnvelope,
  sealRequest,
} from '../src/envelope';

const node = generateKeyPair();
const encoder = new TextEncoder();
const json = (data: Uint8Array) => JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>;

function request(satelliteToken?: string) {
  return sealRequest({
    correlationId: '6f1d0c9e-8a57-4b7e-9a55-2f0e3c1b7d42',
    replyTo: 'peer_8c1f0d6a2b7e4c3d9a5b1e0f7c6d2a19',
    endpoint: { slug: 'legal-docs', type: 'data_source' },
    timeoutMs: 30_000,
    satelliteToken,
    payload: { messages: 'q', limit: 5, similarity_threshold: 0.5, include_metadata: true },
    nodePublicKey: node.publicKey,
  });
}

describe('request envelopes (§5.1)', () => {
  it('carries the fields of §5.1 in clear text and the payload only sealed', () => {
    const { data } = request('jwt.token.sig');
    const envelope = json(data);
    expect(Object.keys(envelope)).toEqual([
      'protocol',
      'type',
      'correlation_id',
      'reply_to',
      'endpoint',
      'payload',
      'timeout_ms',
      'satellite_token',
      'encryption_info',
      'encrypted_payload',
    ]);
    expect(envelope).toMatchObject({
      protocol: 'syfthub-tunnel/v1',
      type: 'endpoint_request',
      reply_to: 'peer_8c1f0d6a2b7e4c3d9a5b1e0f7c6d2a19',
      endpoint: { slug: 'legal-docs', type: 'data_source' },
      payload: null,
      timeout_ms: 30_000,
      satellite_token: 'jwt.token.sig',
      encryption_info: { algorithm: 'X25519-ECDH-AES-256-GCM' },
    });
    expect(JSON.stringify(envelope)).not.toContain('similarity_threshold');
    const sealed = envelope as never as Parameters<typeof decryptRequest>[0];
    const plain = decryptRequest(sealed, node.privateKey, String(envelope.correlation_id));
    expect(JSON.parse(plain.toString())).toEqual({
      messages: 'q',
      limit: 5,
      similarity_threshold: 0.5,
      include_metadata: true,
    });
  });

  it('omits satellite_token when there is none', () => {
    expect(json(request().data)).not.toHaveProperty('satellite_token');
  });

  it('is read back by a node, which refuses plaintext requests', () => {
    const parsed = parseRequestEnvelope(request().data);
    expect(parsed).not.toBeNull();
    expect(openRequest(parsed!, node.privateKey)).toMatchObject({ messages: 'q' });
    const plaintext = { ...parsed!, encryption_info: null, encrypted_payload: '' };
    expect(() => openRequest(plaintext, node.privateKey)).toThrow(/not encrypted/);
  });

  it('reads nothing from bytes that are not a request envelope', () => {
    for (const bad of ['not json', '[]', '{"type":"endpoint_request"}', '\u00ff']) {
      expect(parseRequestEnvelope(encoder.encode(bad))).toBeNull();
    }
    expect(parseRequestEnvelope(new Uint8Array([0xff, 0xfe]))).toBeNull();
  });
});

describe('response envelopes (§5.2)', () => {
  it('seals a success payload to the request ephemeral key, which opens it', () => {
    const sent = request();
    const parsed = parseRequestEnvelope(sent.data)!;
    const receivedAt = new Date('2026-07-08T09:46:50.123Z');
    const reply = buildResponse(parsed, {
      status: 'success',
      payload: { references: { documents: [{ document_id: 'a', content: 'c' }] } },
      timing: { receivedAt, processedAt: new Date(receivedAt.getTime() + 357) },
    });
    const envelope = parseResponseEnvelope(reply)!;
    expect(envelope).toMatchObject({
      protocol: 'syfthub-tunnel/v1',
      type: 'endpoint_response',
      correlation_id: parsed.correlation_id,
      status: 'success',
      endpoint_slug: 'legal-docs',
      timing: { duration_ms: 357, received_at: '2026-07-08T09:46:50.123Z' },
    });
    expect(json(reply)).not.toHaveProperty('payload');
    expect(openResponse(envelope, sent.ephemeral.privateKey)).toEqual({
      references: { documents: [{ document_id: 'a', content: 'c' }] },
    });
  });

  it('seals null for an error reply, with the code and message in clear text', () => {
    const sent = request();
    const reply = buildResponse(parseRequestEnvelope(sent.data)!, {
      status: 'error',
      error: { code: 'ENDPOINT_NOT_FOUND', message: 'endpoint not found: legal-docs' },
    });
    const envelope = parseResponseEnvelope(reply)!;
    expect(envelope.error).toEqual({ code: 'ENDPOINT_NOT_FOUND', message: 'endpoint not found: legal-docs' });
    expect(envelope).not.toHaveProperty('timing');
    expect(openResponse(envelope, sent.ephemeral.privateKey)).toBeNull();
  });

  it('answers an unencrypted request unencrypted', () => {
    const parsed = { ...parseRequestEnvelope(request().data)!, encryption_info: null };
    const envelope = json(
      buildResponse(parsed, { status: 'error', error: { code: 'DECRYPTION_FAILED', message: 'no' } }),
    );
    expect(envelope.encryption_info).toBeNull();
    expect(envelope.encrypted_payload).toBe('');
  });

  it('refuses replies without encryption or sealed to someone else', () => {
    const sent = request();
    const parsed = parseRequestEnvelope(sent.data)!;
    const reply = parseResponseEnvelope(buildResponse(parsed, { status: 'success', payload: 1 }))!;
    expect(() => openResponse({ ...reply, encryption_info: null }, sent.ephemeral.privateKey)).toThrow(
      /not encrypted/,
    );
    expect(() => openResponse(reply, generateKeyPair().privateKey)).toThrow(/authentication failed/);
    expect(() => openResponse({ ...reply, correlation_id: 'other' }, sent.ephemeral.privateKey)).toThrow();
    const bytes = fromBase64Url(reply.encrypted_payload!, 'x');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x80;
    expect(() =>
      openResponse({ ...reply, encrypted_payload: toBase64Url(bytes) }, sent.ephemeral.privateKey),
    ).toThrow(/authentication failed/);
  });

  it('reads nothing from malformed replies', () => {
    for (const bad of ['', 'null', '{"correlation_id":"x"}', '{"correlation_id":"x","status":"maybe"}']) {
      expect(parseResponseEnvelope(encoder.encode(bad))).toBeNull();
    }
  });
});
