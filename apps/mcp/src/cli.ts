import { generateKeyPairPem } from '@syfthub/auth';
import { isNull, oauthGrants } from '@syfthub/db';
import { runCli, usage } from '@syfthub/service';
import { buildDeps } from './deps';
import { parseMcpEnv } from './env';
import { generateEncryptionKeySetting } from './grants/encryption';

const USAGE = `Usage: mcp-cli <command>

  keys:generate [kid]             print a new MCP_RSA_PRIVATE_KEY_PEM value (base64 PEM) and its key id
  encryption-key:generate [kid]   print a new MCP_TOKEN_ENCRYPTION_KEYS entry (kid:base64key)
  grants:revoke-all               revoke every active grant (after a restore, or to force re-authorization)
`;

async function revokeAllGrants(): Promise<number> {
  const deps = await buildDeps(parseMcpEnv());
  try {
    const active = await deps.db
      .select({ id: oauthGrants.id })
      .from(oauthGrants)
      .where(isNull(oauthGrants.revokedAt));
    for (const { id } of active) await deps.grants.revoke(id, 'revoked_by_admin');
    return active.length;
  } finally {
    await deps.close();
  }
}

async function main(): Promise<number> {
  const [command, argument] = process.argv.slice(2);
  const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  switch (command) {
    case 'keys:generate': {
      const { privateKeyPem } = await generateKeyPairPem();
      process.stdout.write(`MCP_RSA_KEY_ID=${argument ?? `mcp-key-${stamp}`}\n`);
      process.stdout.write(`MCP_RSA_PRIVATE_KEY_PEM=${Buffer.from(privateKeyPem).toString('base64')}\n`);
      return 0;
    }
    case 'encryption-key:generate':
      process.stdout.write(`${generateEncryptionKeySetting(argument ?? `k${stamp}`)}\n`);
      return 0;
    case 'grants:revoke-all':
      process.stdout.write(`Revoked ${await revokeAllGrants()} grants\n`);
      return 0;
    default:
      return usage(USAGE, command);
  }
}

await runCli(main);
