import { describe, expect, it } from 'vitest';
import { EncryptionKeyRegistration, GuestPeerTokenRequest, PeerTokenRequest } from '../src/tunnelling';

const KEY = 'B6N8vBQgk8i3VdwbEOhstCY3StFqqFPtC9_AsrhtHHw';

describe('EncryptionKeyRegistration (tunnelling.md §3.4)', () => {
  it('accepts an unpadded or padded 32-byte key and keeps it unpadded', () => {
    expect(EncryptionKeyRegistration.parse({ encryption_public_key: KEY }).encryption_public_key).toBe(KEY);
    expect(EncryptionKeyRegistration.parse({ encryption_public_key: `${KEY}=` }).encryption_public_key).toBe(
      KEY,
    );
  });

  it('refuses empty keys, other alphabets and other lengths, with one message each', () => {
    const messages = (value: unknown) => {
      const result = EncryptionKeyRegistration.safeParse({ encryption_public_key: value });
      return result.success ? [] : result.error.issues.map((issue) => issue.message);
    };
    expect(messages('')).toEqual(['The key must not be empty']);
    expect(messages(`${KEY.slice(0, 42)}+`)).toEqual(['The key must be URL-safe base64']);
    expect(messages('AAAAAAAAAAAAAAAAAAAAAA')).toEqual(['The key must decode to exactly 32 bytes']);
    expect(messages(`${KEY}A`)).toEqual(['The key must decode to exactly 32 bytes']);
    expect(messages(`${KEY}==`)).toEqual(['The key must decode to exactly 32 bytes']);
    expect(messages(42)).toHaveLength(1);
  });
});

describe('peer-token requests (§3.1, §3.2)', () => {
  it('needs at least one target name for a user token and none for a guest one', () => {
    expect(PeerTokenRequest.safeParse({ target_usernames: [] }).success).toBe(false);
    expect(PeerTokenRequest.parse({ target_usernames: ['bob'] })).toEqual({ target_usernames: ['bob'] });
    expect(GuestPeerTokenRequest.parse({})).toEqual({ target_usernames: [] });
    expect(GuestPeerTokenRequest.parse({ target_usernames: null })).toEqual({ target_usernames: [] });
  });
});
