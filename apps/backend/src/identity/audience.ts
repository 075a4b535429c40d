import { type Db, eq, sql, users } from '@syfthub/db';
import { ApiError, type Logger } from '@syfthub/service';
import { perTurn } from '../auth/per-turn';
import { failClosed } from './errors';

/**
 * Checks a satellite-token audience (backend-api.md §10.1): any active user's username. The resolver returns it
 * trimmed and lowercased, as it goes into the token's `aud`.
 */
export function createAudienceResolver(db: Db, logger: Logger): (raw: string) => Promise<string> {
  // Every token request runs this lookup; prepared once, it skips query building and server-side parsing.
  const byUsername = db
    .select({ isActive: users.isActive })
    .from(users)
    .where(eq(users.username, sql.placeholder('username')))
    .limit(1)
    .prepare('identity_audience_by_username');
  // Token requests for one audience that arrive together share the lookup; it is still sent after they arrived.
  const lookup = perTurn((username: string) => byUsername.execute({ username }));
  return (raw) => resolveAudience(lookup, logger, raw);
}

async function resolveAudience(
  byUsername: (username: string) => Promise<Array<{ isActive: boolean }>>,
  logger: Logger,
  raw: string,
): Promise<string> {
  const audience = raw.trim().toLowerCase();
  if (audience === '') {
    throw new ApiError(400, { code: 'MISSING_AUDIENCE', message: "The 'aud' query parameter is required." });
  }
  const [target] = await failClosed(logger, 'identity.audience_lookup_failed', () => byUsername(audience));
  if (!target) {
    throw new ApiError(404, {
      code: 'AUDIENCE_NOT_FOUND',
      message: `Audience '${audience}' is not a registered user.`,
      audience,
    });
  }
  if (!target.isActive) {
    throw new ApiError(400, {
      code: 'AUDIENCE_INACTIVE',
      message: `Audience '${audience}' is not active.`,
      audience,
    });
  }
  return audience;
}
