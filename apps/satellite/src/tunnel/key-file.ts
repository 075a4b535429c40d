import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportPrivateKey, generateKeyPair, keyPairFromPrivate, type X25519KeyPair } from '@syfthub/tunnel';

export const KEY_FILE_NAME = 'node.key';

/**
 * The node's long-term X25519 pair, kept as the raw 32-byte private scalar in `<dataDir>/node.key` (mode 0600,
 * written atomically) so the key registered with the hub survives restarts (tunnelling.md §6.1). A missing or
 * unreadable file is replaced by a fresh pair.
 */
export async function loadOrCreateKeyPair(dataDir: string): Promise<X25519KeyPair> {
  const file = join(dataDir, KEY_FILE_NAME);
  try {
    const raw = await readFile(file);
    if (raw.length === 32) return keyPairFromPrivate(raw);
  } catch {
    // No key yet: create one below.
  }
  const pair = generateKeyPair();
  await mkdir(dataDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, exportPrivateKey(pair), { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
  return pair;
}
