import { describe, expect, it } from 'vitest';
import {
  createEncryptionKeys,
  generateEncryptionKeySetting,
  parseEncryptionKeys,
} from '../src/grants/encryption';

describe('token encryption (mcp.md §7.3)', () => {
  it('seals with the first key, binds the grant id, and opens with any listed key', () => {
    const oldSetting = generateEncryptionKeySetting('k1');
    const old = createEncryptionKeys(oldSetting);
    const sealed = old.seal('hub-refresh-token', 'grant:a');
    expect(sealed.kid).toBe('k1');
    expect(sealed.data.length).toBe(12 + 'hub-refresh-token'.length + 16);
    expect(old.open(sealed, 'grant:a')).toBe('hub-refresh-token');
    expect(() => old.open(sealed, 'grant:b')).toThrow();

    const rotated = createEncryptionKeys(`${generateEncryptionKeySetting('k2')},${oldSetting}`);
    expect(rotated.currentKid).toBe('k2');
    expect(rotated.open(sealed, 'grant:a')).toBe('hub-refresh-token');
    expect(rotated.seal('x', 'grant:a').kid).toBe('k2');
    expect(rotated.openString(rotated.sealToString('cached', 'grant:c'), 'grant:c')).toBe('cached');

    const tampered = { kid: sealed.kid, data: Buffer.from(sealed.data) };
    tampered.data[14] = (tampered.data[14] ?? 0) ^ 1;
    expect(() => old.open(tampered, 'grant:a')).toThrow();
    expect(() => createEncryptionKeys(generateEncryptionKeySetting('k3')).open(sealed, 'grant:a')).toThrow(
      /unknown encryption key/,
    );
  });

  it('refuses malformed settings and generates a throwaway key when unset', () => {
    expect(() => parseEncryptionKeys('k1:c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => parseEncryptionKeys('nokey')).toThrow(/kid:base64key/);
    expect(() =>
      parseEncryptionKeys(`${generateEncryptionKeySetting('a')},${generateEncryptionKeySetting('a')}`),
    ).toThrow(/twice/);
    expect(createEncryptionKeys(undefined).ephemeral).toBe(true);
  });

  it('MACs request ids for the authorization cookie', () => {
    const keys = createEncryptionKeys(generateEncryptionKeySetting('k1'));
    const mac = keys.mac('request-1');
    expect(keys.verifyMac('request-1', mac)).toBe(true);
    expect(keys.verifyMac('request-2', mac)).toBe(false);
    expect(keys.verifyMac('request-1', 'short')).toBe(false);
  });
});
