import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairPem, KeyConfigError, type KeyRingConfig, loadKeyRing, type PemKeyPair } from '../src';

const b64 = (s: string) => Buffer.from(s).toString('base64');

let pairA: PemKeyPair;
let pairB: PemKeyPair;
let root: string;

beforeAll(async () => {
  [pairA, pairB] = await Promise.all([generateKeyPairPem(2048), generateKeyPairPem(2048)]);
  root = await mkdtemp(join(tmpdir(), 'auth-keys-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let dirCounter = 0;
const freshDir = () => join(root, `dir-${dirCounter++}`);

const base = (over: Partial<KeyRingConfig> = {}): KeyRingConfig => ({
  autoGenerate: false,
  keysDirectory: freshDir(),
  production: false,
  ...over,
});

function modulusOf(pem: string): string {
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  return String(jwk.n);
}

describe('loadKeyRing sources', () => {
  it('loads base64 PEM values from the environment first', async () => {
    await writeFile(join(root, 'other.pem'), pairB.privateKeyPem);
    const ring = await loadKeyRing(
      base({
        privateKeyPemB64: b64(pairA.privateKeyPem),
        publicKeyPemB64: b64(pairA.publicKeyPem),
        privateKeyPath: join(root, 'other.pem'),
        keyId: 'hub-key-7',
        autoGenerate: true,
      }),
    );
    expect(ring?.source).toBe('env');
    expect(ring?.currentKid).toBe('hub-key-7');
    expect(ring?.jwks().keys[0]?.n).toBe(modulusOf(pairA.publicKeyPem));
  });

  it('accepts raw PEM text and derives the public key when only the private key is given', async () => {
    const ring = await loadKeyRing(base({ privateKeyPemB64: pairA.privateKeyPem }));
    expect(ring?.currentKid).toBe('hub-key-1');
    expect(ring?.jwks().keys[0]?.n).toBe(modulusOf(pairA.publicKeyPem));
  });

  it('loads PEM files when no base64 values are set', async () => {
    const priv = join(root, 'b-private.pem');
    const pub = join(root, 'b-public.pem');
    await writeFile(priv, pairB.privateKeyPem);
    await writeFile(pub, pairB.publicKeyPem);
    const ring = await loadKeyRing(base({ privateKeyPath: priv, publicKeyPath: pub, autoGenerate: true }));
    expect(ring?.source).toBe('file');
    expect(ring?.jwks().keys[0]?.n).toBe(modulusOf(pairB.publicKeyPem));
  });

  it('returns null when no source applies', async () => {
    expect(await loadKeyRing(base())).toBeNull();
    expect(await loadKeyRing(base({ privateKeyPemB64: '  ', production: true }))).toBeNull();
  });

  it('auto-generates into the directory with mode 0600, then reloads the same key', async () => {
    const dir = freshDir();
    const first = await loadKeyRing(base({ autoGenerate: true, keysDirectory: dir }));
    expect(first?.source).toBe('generated');
    for (const name of ['private.pem', 'public.pem']) {
      expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
    }
    expect(await readFile(join(dir, 'private.pem'), 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(await readFile(join(dir, 'public.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    expect((await readdir(dir)).sort()).toEqual(['private.pem', 'public.pem']);
    const second = await loadKeyRing(base({ autoGenerate: true, keysDirectory: dir }));
    expect(second?.source).toBe('directory');
    expect(second?.jwks()).toEqual(first?.jwks());
  });

  it('yields one key when several loaders race to generate it', async () => {
    const dir = freshDir();
    const rings = await Promise.all(
      [1, 2, 3].map(() => loadKeyRing(base({ autoGenerate: true, keysDirectory: dir }))),
    );
    const moduli = new Set(rings.map((r) => r?.jwks().keys[0]?.n));
    expect(moduli.size).toBe(1);
    expect(rings.filter((r) => r?.source === 'generated')).toHaveLength(1);
    expect(modulusOf(await readFile(join(dir, 'public.pem'), 'utf8'))).toBe([...moduli][0]);
    expect((await readdir(dir)).sort()).toEqual(['private.pem', 'public.pem']);
  });

  it('refuses to auto-generate in production unless allowed', async () => {
    const dir = freshDir();
    await expect(
      loadKeyRing(base({ autoGenerate: true, keysDirectory: dir, production: true })),
    ).rejects.toThrow(/Refusing to auto-generate RSA keys in production.*RSA_PRIVATE_KEY_PEM/);
    await expect(
      loadKeyRing(base({ autoGenerate: true, keysDirectory: dir, keySize: 1024 })),
    ).rejects.toThrow(/RSA_KEY_SIZE must be an integer of at least 2048, got 1024/);
    const ring = await loadKeyRing(
      base({ autoGenerate: true, keysDirectory: dir, production: true, allowAutoGenerateInProduction: true }),
    );
    expect(ring?.source).toBe('generated');
  });
});

describe('loadKeyRing errors', () => {
  const rejects = (config: KeyRingConfig, pattern: RegExp) =>
    expect(loadKeyRing(config)).rejects.toSatisfy(
      (e) => e instanceof KeyConfigError && pattern.test(e.message),
    );

  it('names the variable holding invalid PEM', async () => {
    await rejects(
      base({ privateKeyPemB64: 'not base64 at all!' }),
      /^RSA_PRIVATE_KEY_PEM is not valid base64/,
    );
    await rejects(base({ privateKeyPemB64: b64('hello') }), /^RSA_PRIVATE_KEY_PEM does not decode to PEM/);
    await rejects(
      base({ privateKeyPemB64: b64('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----') }),
      /^RSA_PRIVATE_KEY_PEM is not a valid PEM private key/,
    );
    await rejects(
      base({ privateKeyPemB64: b64(pairA.privateKeyPem), publicKeyPemB64: b64('garbage') }),
      /^RSA_PUBLIC_KEY_PEM does not decode/,
    );
    await rejects(
      base({ envPrefix: 'MCP_', privateKeyPemB64: b64('hello') }),
      /^MCP_RSA_PRIVATE_KEY_PEM does not decode/,
    );
  });

  it('rejects a mismatched pair', async () => {
    await rejects(
      base({ privateKeyPemB64: b64(pairA.privateKeyPem), publicKeyPemB64: b64(pairB.publicKeyPem) }),
      /RSA_PUBLIC_KEY_PEM does not match RSA_PRIVATE_KEY_PEM/,
    );
  });

  it('rejects a public key without a private key', async () => {
    await rejects(base({ publicKeyPemB64: b64(pairA.publicKeyPem) }), /RSA_PRIVATE_KEY_PEM is not/);
    await rejects(base({ publicKeyPath: '/x.pem' }), /RSA_PRIVATE_KEY_PATH is not/);
  });

  it('names the path variable of an unreadable file', async () => {
    await rejects(
      base({ privateKeyPath: join(root, 'missing.pem') }),
      /^RSA_PRIVATE_KEY_PATH points to .*missing\.pem, which cannot be read \(ENOENT\)/,
    );
  });

  it('rejects non-RSA and undersized keys', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await rejects(base({ privateKeyPemB64: b64(ecPem) }), /must be an RSA key/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const smallPem = small.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await rejects(base({ privateKeyPemB64: b64(smallPem) }), /at least 2048 bits, got 1024/);
  });

  it('validates the previous key settings', async () => {
    const current = { privateKeyPemB64: b64(pairB.privateKeyPem) };
    await rejects(
      base({ ...current, previousPublicKeyPemB64: b64(pairA.publicKeyPem) }),
      /RSA_PREVIOUS_KEY_ID is not/,
    );
    await rejects(
      base({ ...current, previousPublicKeyPemB64: b64(pairA.publicKeyPem), previousKeyId: 'hub-key-1' }),
      /must differ from RSA_KEY_ID/,
    );
    await rejects(
      base({ ...current, previousPublicKeyPemB64: b64('x'), previousKeyId: 'old' }),
      /^RSA_PREVIOUS_PUBLIC_KEY_PEM/,
    );
  });
});

describe('JWKS', () => {
  it('publishes the current key first, then the previous one, with exactly the §10.5 members', async () => {
    const ring = await loadKeyRing(
      base({
        privateKeyPemB64: b64(pairB.privateKeyPem),
        publicKeyPemB64: b64(pairB.publicKeyPem),
        keyId: 'hub-key-2',
        previousPublicKeyPemB64: b64(pairA.publicKeyPem),
        previousKeyId: 'hub-key-1',
      }),
    );
    const { keys } = ring?.jwks() ?? { keys: [] };
    expect(keys.map((k) => k.kid)).toEqual(['hub-key-2', 'hub-key-1']);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' });
      expect(key.n).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(keys[0]?.n).toBe(modulusOf(pairB.publicKeyPem));
    expect(keys[1]?.n).toBe(modulusOf(pairA.publicKeyPem));
    expect([...(ring?.publicKeys.keys() ?? [])]).toEqual(['hub-key-2', 'hub-key-1']);
    // Callers may mutate what they get without corrupting the ring.
    if (keys[0]) keys[0].kid = 'changed';
    expect(ring?.jwks().keys[0]?.kid).toBe('hub-key-2');
  });
});
