import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** RS256 needs at least 2048-bit keys; jose refuses smaller ones at signing time, so we refuse them at load time. */
const MIN_KEY_BITS = 2048;

export interface KeyRingConfig {
  /** Base64 of the PKCS#8 (or PKCS#1) private key PEM (`RSA_PRIVATE_KEY_PEM`). Raw PEM text is accepted too. */
  privateKeyPemB64?: string;
  /** Base64 of the SPKI public key PEM (`RSA_PUBLIC_KEY_PEM`); derived from the private key when absent. */
  publicKeyPemB64?: string;
  privateKeyPath?: string;
  publicKeyPath?: string;
  keyId?: string;
  keySize?: number;
  /** Verification-only key published during rotation (`RSA_PREVIOUS_PUBLIC_KEY_PEM`). */
  previousPublicKeyPemB64?: string;
  previousKeyId?: string;
  autoGenerate: boolean;
  keysDirectory: string;
  production: boolean;
  allowAutoGenerateInProduction?: boolean;
  /** Prefix of the environment variable names used in error messages, e.g. `MCP_` for the MCP service. */
  envPrefix?: string;
}

export interface RsaPublicJwk {
  kty: 'RSA';
  kid: string;
  use: 'sig';
  alg: 'RS256';
  n: string;
  e: string;
}

export interface KeyRing {
  currentKid: string;
  /** Where the current key came from, for start-up logs and readiness reports. */
  source: 'env' | 'file' | 'generated' | 'directory';
  signingKey: KeyObject;
  /** Current key first, then the previous one (if configured). */
  publicKeys: Map<string, KeyObject>;
  jwks(): { keys: RsaPublicJwk[] };
}

export class KeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyConfigError';
  }
}

export interface PemKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** Generates an RSA key pair (e = 65537) as PKCS#8 / SPKI PEM text. */
export async function generateKeyPairPem(bits = MIN_KEY_BITS): Promise<PemKeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
  });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function decodePemValue(value: string, variable: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('-----BEGIN')) return trimmed;
  const compact = trimmed.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    throw new KeyConfigError(`${variable} is not valid base64 of a PEM key`);
  }
  const decoded = Buffer.from(compact, 'base64').toString('utf8').trim();
  if (!decoded.startsWith('-----BEGIN')) {
    throw new KeyConfigError(`${variable} does not decode to PEM text (expected "-----BEGIN ...")`);
  }
  return decoded;
}

function assertRsaSize(key: KeyObject, variable: string): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyConfigError(`${variable} must be an RSA key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_KEY_BITS) {
    throw new KeyConfigError(`${variable} must be at least ${MIN_KEY_BITS} bits, got ${bits}`);
  }
}

function parsePrivateKey(pem: string, variable: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyConfigError(`${variable} is not a valid PEM private key`);
  }
  assertRsaSize(key, variable);
  return key;
}

function parsePublicKey(pem: string, variable: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyConfigError(`${variable} is not a valid PEM public key`);
  }
  if (key.type !== 'public') throw new KeyConfigError(`${variable} must be a public key`);
  assertRsaSize(key, variable);
  return key;
}

function publicJwkOf(key: KeyObject): { n: string; e: string } {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new KeyConfigError('RSA key has no modulus or exponent');
  }
  return { n: jwk.n, e: jwk.e };
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const ja = publicJwkOf(a);
  const jb = publicJwkOf(b);
  return ja.n === jb.n && ja.e === jb.e;
}

interface LoadedPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function buildPair(
  privatePem: string,
  publicPem: string | undefined,
  privateName: string,
  publicName: string,
): LoadedPair {
  const privateKey = parsePrivateKey(privatePem, privateName);
  const derived = createPublicKey(privateKey);
  if (publicPem === undefined) return { privateKey, publicKey: derived };
  const publicKey = parsePublicKey(publicPem, publicName);
  if (!samePublicKey(derived, publicKey)) {
    throw new KeyConfigError(`${publicName} does not match ${privateName}: they are not one key pair`);
  }
  return { privateKey, publicKey };
}

async function readPemFile(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new KeyConfigError(`${variable} points to ${path}, which cannot be read (${code})`);
  }
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/**
 * Creates `target` with `content` only if it does not exist yet. Hard-linking a fully written temporary file makes
 * the final file appear atomically with its whole content, so a concurrent reader never sees a half-written key.
 * Returns false when another process created `target` first.
 */
async function exclusiveCreate(dir: string, target: string, content: string): Promise<boolean> {
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
  await chmod(tmp, 0o600);
  try {
    await link(tmp, target);
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    if (!isErrno(err, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS')) throw err;
    return await exclusiveCreateWithoutLinks(target, content);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Fallback for file systems without hard links: exclusive create, then write (readers retry on partial files). */
async function exclusiveCreateWithoutLinks(target: string, content: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(target, 'wx', 0o600);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

async function writeReplacing(dir: string, target: string, content: string): Promise<void> {
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
  await chmod(tmp, 0o600);
  await rename(tmp, target);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function loadFromDirectory(dir: string, privateName: string, publicName: string): Promise<LoadedPair> {
  const privatePath = join(dir, 'private.pem');
  const publicPath = join(dir, 'public.pem');
  // A racing writer without hard-link support may still be filling the file; give it a moment.
  for (let attempt = 0; ; attempt++) {
    const privatePem = await readFile(privatePath, 'utf8');
    const publicPem = (await fileExists(publicPath)) ? await readFile(publicPath, 'utf8') : undefined;
    try {
      return buildPair(privatePem, publicPem, privateName, publicName);
    } catch (err) {
      if (attempt >= 20) throw err;
      await sleep(100);
    }
  }
}

async function loadOrGenerate(
  config: KeyRingConfig,
  names: { dir: string },
): Promise<{ pair: LoadedPair; generated: boolean }> {
  const dir = config.keysDirectory;
  const privatePath = join(dir, 'private.pem');
  const publicPath = join(dir, 'public.pem');
  const privateName = `${names.dir}/private.pem`;
  const publicName = `${names.dir}/public.pem`;
  if (await fileExists(privatePath)) {
    return { pair: await loadFromDirectory(dir, privateName, publicName), generated: false };
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKeyPem, publicKeyPem } = await generateKeyPairPem(config.keySize ?? MIN_KEY_BITS);
  const won = await exclusiveCreate(dir, privatePath, privateKeyPem);
  if (!won) return { pair: await loadFromDirectory(dir, privateName, publicName), generated: false };
  await writeReplacing(dir, publicPath, publicKeyPem);
  return { pair: buildPair(privateKeyPem, publicKeyPem, privateName, publicName), generated: true };
}

function makeRing(
  currentKid: string,
  source: KeyRing['source'],
  pair: LoadedPair,
  previous?: { kid: string; key: KeyObject },
): KeyRing {
  const publicKeys = new Map<string, KeyObject>([[currentKid, pair.publicKey]]);
  if (previous) publicKeys.set(previous.kid, previous.key);
  const keys: RsaPublicJwk[] = [...publicKeys].map(([kid, key]) => ({
    kty: 'RSA',
    kid,
    use: 'sig',
    alg: 'RS256',
    ...publicJwkOf(key),
  }));
  return {
    currentKid,
    source,
    signingKey: pair.privateKey,
    publicKeys,
    jwks: () => ({ keys: keys.map((k) => ({ ...k })) }),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

/**
 * Loads the identity provider's signing key (backend-api.md §10.3). The first source that applies wins:
 * base64 PEM values, then PEM files, then the keys directory (loading or generating). Returns null when no source
 * applies: the identity provider is disabled. Throws KeyConfigError for unusable configuration.
 */
export async function loadKeyRing(config: KeyRingConfig): Promise<KeyRing | null> {
  const p = config.envPrefix ?? '';
  const v = {
    privatePem: `${p}RSA_PRIVATE_KEY_PEM`,
    publicPem: `${p}RSA_PUBLIC_KEY_PEM`,
    privatePath: `${p}RSA_PRIVATE_KEY_PATH`,
    publicPath: `${p}RSA_PUBLIC_KEY_PATH`,
    keyId: `${p}RSA_KEY_ID`,
    previousPem: `${p}RSA_PREVIOUS_PUBLIC_KEY_PEM`,
    previousKid: `${p}RSA_PREVIOUS_KEY_ID`,
    autoGenerate: `${p}AUTO_GENERATE_RSA_KEYS`,
    dir: `${p}RSA_KEYS_DIRECTORY`,
  };
  const currentKid = (config.keyId ?? 'hub-key-1').trim();
  if (currentKid === '') throw new KeyConfigError(`${v.keyId} must not be empty`);

  let pair: LoadedPair;
  let source: KeyRing['source'];
  const privatePemB64 = nonEmpty(config.privateKeyPemB64);
  const publicPemB64 = nonEmpty(config.publicKeyPemB64);
  const privatePath = nonEmpty(config.privateKeyPath);
  const publicPath = nonEmpty(config.publicKeyPath);

  if (privatePemB64 !== undefined || publicPemB64 !== undefined) {
    if (privatePemB64 === undefined) {
      throw new KeyConfigError(
        `${v.publicPem} is set but ${v.privatePem} is not: the signing key is missing`,
      );
    }
    pair = buildPair(
      decodePemValue(privatePemB64, v.privatePem),
      publicPemB64 === undefined ? undefined : decodePemValue(publicPemB64, v.publicPem),
      v.privatePem,
      v.publicPem,
    );
    source = 'env';
  } else if (privatePath !== undefined || publicPath !== undefined) {
    if (privatePath === undefined) {
      throw new KeyConfigError(
        `${v.publicPath} is set but ${v.privatePath} is not: the signing key is missing`,
      );
    }
    pair = buildPair(
      await readPemFile(privatePath, v.privatePath),
      publicPath === undefined ? undefined : await readPemFile(publicPath, v.publicPath),
      v.privatePath,
      v.publicPath,
    );
    source = 'file';
  } else if (config.autoGenerate) {
    if (config.production && !config.allowAutoGenerateInProduction) {
      throw new KeyConfigError(
        `Refusing to auto-generate RSA keys in production: provide ${v.privatePem} and ${v.publicPem} ` +
          `(or ${v.privatePath}/${v.publicPath}) and set ${v.autoGenerate}=false`,
      );
    }
    const keySize = config.keySize ?? MIN_KEY_BITS;
    if (!Number.isInteger(keySize) || keySize < MIN_KEY_BITS) {
      throw new KeyConfigError(
        `${p}RSA_KEY_SIZE must be an integer of at least ${MIN_KEY_BITS}, got ${keySize}`,
      );
    }
    const result = await loadOrGenerate(config, { dir: v.dir });
    pair = result.pair;
    source = result.generated ? 'generated' : 'directory';
  } else {
    return null;
  }

  const previousPem = nonEmpty(config.previousPublicKeyPemB64);
  const previousKid = nonEmpty(config.previousKeyId)?.trim();
  if (previousPem === undefined) {
    return makeRing(currentKid, source, pair);
  }
  if (previousKid === undefined) {
    throw new KeyConfigError(`${v.previousPem} is set but ${v.previousKid} is not`);
  }
  if (previousKid === currentKid) {
    throw new KeyConfigError(`${v.previousKid} must differ from ${v.keyId} ("${currentKid}")`);
  }
  const previousKey = parsePublicKey(decodePemValue(previousPem, v.previousPem), v.previousPem);
  return makeRing(currentKid, source, pair, { kid: previousKid, key: previousKey });
}
