import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Log, silentLog } from '../log';
import { type HubClient, HubHttpError } from './client';

export const TOKEN_FILE_NAME = 'hub-token';
export const BOOTSTRAP_TOKEN_NAME = 'satellite';

export interface CredentialOptions {
  apiToken?: string | undefined;
  bootstrap?: { username: string; password: string; email?: string | undefined } | undefined;
  dataDir: string;
  log?: Log;
}

export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

async function readStoredToken(file: string): Promise<string | null> {
  try {
    const token = (await readFile(file, 'utf8')).trim();
    return token === '' ? null : token;
  } catch {
    return null;
  }
}

/** Written to a temporary file and renamed, so a crash never leaves a half-written token behind. */
async function storeToken(dataDir: string, token: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, TOKEN_FILE_NAME);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${token}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

/**
 * Resolves the owner's API token (satellite-protocol.md §8.6) and the owner's username. An explicit token wins; else
 * a token stored by an earlier bootstrap is reused while the hub still accepts it; else the development bootstrap
 * logs in (registering first if the account does not exist) and creates a `write` token. Network and 5xx failures
 * propagate so the caller can retry.
 */
export async function resolveCredentials(
  client: HubClient,
  options: CredentialOptions,
): Promise<{ token: string; owner: string }> {
  const log = options.log ?? silentLog;
  if (options.apiToken) {
    const me = await client.me(options.apiToken);
    return { token: options.apiToken, owner: me.username };
  }
  const bootstrap = options.bootstrap;
  if (!bootstrap) throw new CredentialsError('No hub credentials configured');

  const file = join(options.dataDir, TOKEN_FILE_NAME);
  const stored = await readStoredToken(file);
  if (stored !== null) {
    try {
      const me = await client.me(stored);
      return { token: stored, owner: me.username };
    } catch (error) {
      if (!(error instanceof HubHttpError && error.status === 401)) throw error;
      // The hub no longer knows the token (revoked, or a fresh database): bootstrap a new one.
      log.warn(
        { event: 'satellite.hub.token_rejected' },
        'Stored hub token was rejected; bootstrapping again',
      );
      await rm(file, { force: true });
    }
  }

  let access: string | null;
  try {
    access = await client.login(bootstrap.username, bootstrap.password);
  } catch (error) {
    if (!(error instanceof HubHttpError && error.status === 401 && bootstrap.email)) throw error;
    log.info(
      { event: 'satellite.hub.registering', username: bootstrap.username },
      'Registering the hub account',
    );
    access = await client.register({
      username: bootstrap.username,
      email: bootstrap.email,
      password: bootstrap.password,
    });
    access ??= await client.login(bootstrap.username, bootstrap.password);
  }
  const token = await client.createApiToken(access, BOOTSTRAP_TOKEN_NAME, ['write']);
  await storeToken(options.dataDir, token);
  const me = await client.me(token);
  log.info(
    { event: 'satellite.hub.token_created', owner: me.username },
    'Created and stored a hub API token',
  );
  return { token, owner: me.username };
}
