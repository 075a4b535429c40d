/**
 * The search query mix (issue 17): what people type into a hub's search box, one query of each kind, chosen from the
 * seeded catalogue and checked against it at seed time so each has the character it stands for (a rare word that
 * matches few rows, a typo that is not itself a word, a query that matches nothing). Both search routes are
 * measured with the whole mix, requests rotating through it, and each query's latency is reported on its own.
 */
import postgres from 'postgres';
import { RARE_WORD } from './seed';

export type QueryKind = 'common' | 'rare' | 'typo' | 'prefix' | 'owner' | 'none';

export interface MixQuery {
  kind: QueryKind;
  text: string;
  /** What makes it that kind, as checked on the seeded data. */
  character: string;
}

/** A word of the generator's vocabulary that is also in endpoint names and tags. */
const COMMON = 'contract';
/** `compiler` with one letter replaced (and not stemmed to the same word). */
const TYPO = { text: 'compiter', of: 'compiler' };
/** `contract` as it stands after five keystrokes. */
const PREFIX = 'contr';
const NOTHING = 'qwzxjvk';

/**
 * The mix for the database at `url`: checks each query's character on the data (throws when one no longer has it,
 * e.g. after a change to the generator) and picks the owner (the first user with several listed endpoints).
 */
export async function queryMix(url: string): Promise<MixQuery[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const count = async (where: string, params: string[] = []) => {
    const [row] = await sql.unsafe<{ n: number }[]>(
      `select count(*)::int as n from endpoints as e join users as u on u.id = e.user_id
       where e.visibility = 'public' and e.is_active and not e.archived and (${where})`,
      params,
    );
    return row?.n ?? 0;
  };
  const fail = (message: string): never => {
    throw new Error(`query mix: ${message}`);
  };
  try {
    const listed = await count('true');
    const fullText = (query: string) => count(`e.search_vector @@ to_tsquery('english', $1)`, [query]);
    const anywhere = (text: string) =>
      count(
        `lower(e.name) like $1 or e.description ilike $1 or u.username ilike $1 or e.tags::text like $1 or
         e.search_vector @@ plainto_tsquery('english', $2)`,
        [`%${text}%`, text],
      );

    const common = await fullText(COMMON);
    if (common < listed * 0.01) fail(`"${COMMON}" is in ${common} of ${listed} listed endpoints, not common`);
    const rare = await fullText(RARE_WORD);
    if (rare === 0 || rare > Math.max(listed * 0.001, 20)) {
      fail(`"${RARE_WORD}" is in ${rare} of ${listed} listed endpoints, not rare`);
    }
    const typo = await anywhere(TYPO.text);
    const corrected = await count('lower(e.name) like $1', [`%${TYPO.of}%`]);
    if (typo > 0 || corrected === 0) {
      fail(`typo "${TYPO.text}" matches ${typo} endpoints and "${TYPO.of}" ${corrected} names`);
    }
    const whole = await fullText(PREFIX);
    const prefixed = await fullText(`${PREFIX}:*`);
    if (whole > 0 || prefixed < listed * 0.01) {
      fail(`prefix "${PREFIX}" matches ${whole} as a word and ${prefixed} as a prefix`);
    }
    const [owner] = await sql<{ username: string; n: number }[]>`
      select u.username, count(*)::int as n from users as u join endpoints as e on e.user_id = u.id
      where e.visibility = 'public' and e.is_active and not e.archived
      group by u.id having count(*) >= 5 order by u.id limit 1`;
    if (!owner) fail('no user with five listed endpoints');
    const nothing = await anywhere(NOTHING);
    if (nothing > 0) fail(`"${NOTHING}" matches ${nothing} endpoints`);

    return [
      { kind: 'common', text: COMMON, character: `in ${common} of ${listed} listed endpoints` },
      { kind: 'rare', text: RARE_WORD, character: `in ${rare} listed endpoints` },
      {
        kind: 'typo',
        text: TYPO.text,
        character: `"${TYPO.of}" with one letter replaced: no match as a word or substring; "${TYPO.of}" is in ${corrected} names`,
      },
      {
        kind: 'prefix',
        text: PREFIX,
        character: `not a word; ${prefixed} listed endpoints have a word starting with it`,
      },
      {
        kind: 'owner',
        text: owner?.username as string,
        character: `a username with ${owner?.n} listed endpoints`,
      },
      { kind: 'none', text: NOTHING, character: 'no match anywhere' },
    ];
  } finally {
    await sql.end();
  }
}
