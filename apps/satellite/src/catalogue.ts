import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RESERVED_SLUGS, SLUG_PATTERN } from '@syfthub/contracts';
import { z } from 'zod';

/** `agent` endpoints run interactive sessions, only over the tunnel (agent-sessions.md §1). */
export type EndpointType = 'data_source' | 'model' | 'agent';
export type Visibility = 'public' | 'private' | 'internal';

export interface CatalogueEntry {
  slug: string;
  name: string;
  type: EndpointType;
  description: string;
  tags: string[];
  version: string;
  visibility: Visibility;
  /** Absolute folder of a data source's documents. */
  docsDir: string | null;
  /** Absolute path of a Markdown README to publish instead of the generated one. */
  readmeFile: string | null;
  allowGuests: boolean;
  tenantName: string | null;
}

/** The hub's slug rule (backend-api.md §3.11), checked here so a bad catalogue fails at start, not at sync. */

const slugSchema = z
  .string()
  .min(3)
  .max(63)
  .regex(SLUG_PATTERN, 'must be lowercase letters, digits and single hyphens')
  .refine((s) => !s.includes('--'), 'must not contain "--"')
  .refine((s) => !RESERVED_SLUGS.has(s), 'is reserved by the hub');

/** The hub's tag rule, so a tag it would refuse fails at start rather than at every sync. */
const tagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(30)
  .regex(SLUG_PATTERN, 'must be lowercase letters, digits and single hyphens')
  .refine((s) => !s.includes('--'), 'must not contain "--"');

const entrySchema = z
  .object({
    slug: slugSchema,
    name: z.string().trim().min(1).max(100),
    type: z.enum(['data_source', 'model', 'agent']),
    description: z.string().max(500).default(''),
    tags: z.array(tagSchema).max(10).default([]),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version such as 1.0.0')
      .default('1.0.0'),
    visibility: z.enum(['public', 'private', 'internal']).default('public'),
    docs_dir: z.string().min(1).optional(),
    readme_file: z.string().min(1).optional(),
    allow_guests: z.boolean().default(true),
    tenant_name: z.string().min(1).max(100).nullable().default(null),
  })
  .refine((e) => e.type !== 'data_source' || e.docs_dir !== undefined, {
    message: 'docs_dir is required for data sources',
    path: ['docs_dir'],
  });

const catalogueSchema = z.object({ endpoints: z.array(entrySchema).min(1) }).superRefine((value, ctx) => {
  const seen = new Set<string>();
  value.endpoints.forEach((entry, index) => {
    if (seen.has(entry.slug)) {
      ctx.addIssue({
        code: 'custom',
        message: `duplicate slug "${entry.slug}"`,
        path: ['endpoints', index, 'slug'],
      });
    }
    seen.add(entry.slug);
  });
});

export class CatalogueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogueError';
  }
}

/** Parses a catalogue document; relative paths are resolved against `baseDir` (the catalogue file's folder). */
export function parseCatalogue(data: unknown, baseDir: string): CatalogueEntry[] {
  const result = catalogueSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new CatalogueError(`Invalid endpoint catalogue: ${problems.join('; ')}`);
  }
  return result.data.endpoints.map((e) => ({
    slug: e.slug,
    name: e.name,
    type: e.type,
    description: e.description,
    tags: e.tags,
    version: e.version,
    visibility: e.visibility,
    docsDir: e.docs_dir === undefined ? null : resolve(baseDir, e.docs_dir),
    readmeFile: e.readme_file === undefined ? null : resolve(baseDir, e.readme_file),
    allowGuests: e.allow_guests,
    tenantName: e.tenant_name,
  }));
}

export async function loadCatalogueFile(file: string): Promise<CatalogueEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CatalogueError(`Cannot read endpoint catalogue ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CatalogueError(`Endpoint catalogue ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseCatalogue(data, dirname(resolve(file)));
}

/** The reference agent, published by default in tunnel mode (sessions reach only tunnelled nodes). */
const DEFAULT_AGENT = {
  slug: 'document-agent',
  name: 'Document agent',
  type: 'agent',
  description:
    "Answers questions about this satellite's documents: searches them, and reads a whole document after you confirm.",
  // Sessions have no guest path (agent-sessions.md §3).
  allow_guests: false,
};

/**
 * The catalogue used without SATELLITE_ENDPOINTS_FILE. The spec names the data source `docs`, but the hub reserves
 * that slug (backend-api.md §3.11) and would reject the sync, so it is published as `documents`.
 */
export function defaultCatalogue(docsDir: string, options: { agent?: boolean } = {}): CatalogueEntry[] {
  return parseCatalogue(
    {
      endpoints: [
        ...(options.agent ? [DEFAULT_AGENT] : []),
        {
          slug: 'documents',
          name: 'Documents',
          type: 'data_source',
          description: 'Documents searchable with BM25 keyword retrieval.',
          docs_dir: docsDir,
        },
        {
          slug: 'assistant',
          name: 'Assistant',
          type: 'model',
          description: 'Chat model served by the SyftHub reference satellite.',
        },
      ],
    },
    process.cwd(),
  );
}
