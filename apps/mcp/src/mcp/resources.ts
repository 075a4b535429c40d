import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import { findEndpoint, pathOf } from './endpoints';
import type { ToolEnv } from './tool-runner';

const TEMPLATE = 'syfthub://endpoints/{owner}/{slug}/readme';
const PAGE_SIZE = 100;
const DESCRIPTION_CHARS = 200;
const NO_README = '_This endpoint has no README._';

/** Where a `resources/list` page starts: the user's own endpoints first, then the public listing. */
interface Cursor {
  phase: 'own' | 'public';
  skip: number;
}

const readmeUri = (owner: string, slug: string) =>
  `syfthub://endpoints/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}/readme`;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(value: string | undefined): Cursor {
  if (value === undefined) return { phase: 'own', skip: 0 };
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Cursor>;
    if ((parsed.phase === 'own' || parsed.phase === 'public') && Number.isSafeInteger(parsed.skip)) {
      return { phase: parsed.phase, skip: Math.max(0, parsed.skip as number) };
    }
  } catch {
    // Reported below.
  }
  throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor');
}

function toResource(endpoint: { owner_username: string; slug: string; name: string; description: string }) {
  return {
    uri: readmeUri(endpoint.owner_username, endpoint.slug),
    name: pathOf(endpoint),
    title: endpoint.name,
    description: endpoint.description.slice(0, DESCRIPTION_CHARS),
    mimeType: 'text/markdown',
  };
}

/**
 * Endpoint READMEs as resources (mcp.md §6.7): a template for any endpoint the user can read, and a paginated
 * list of the user's own endpoints followed by the public listing.
 */
export function registerReadmeResources(server: McpServer, env: ToolEnv): void {
  server.registerResource(
    'endpoint-readme',
    new ResourceTemplate(TEMPLATE, { list: undefined }),
    {
      title: 'Endpoint README',
      description: 'The Markdown README of a SyftHub endpoint, by owner and slug.',
      mimeType: 'text/markdown',
    },
    async (uri, variables, ctx) => {
      const owner = String(variables.owner ?? '');
      const slug = String(variables.slug ?? '');
      const endpoint = await findEndpoint(env.hub, `${owner}/${slug}`, ctx.mcpReq.signal);
      if (!endpoint) throw new ResourceNotFoundError(uri.href);
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: 'text/markdown',
            text: endpoint.readme.trim() ? endpoint.readme : NO_README,
          },
        ],
      };
    },
  );

  // The SDK's own list handler has no pagination; this one pages through the hub 100 at a time.
  server.server.setRequestHandler('resources/list', async (request) => {
    const cursor = decodeCursor(request.params?.cursor);
    if (cursor.phase === 'own') {
      const own = await env.hub.endpoints.mine({ skip: cursor.skip, limit: PAGE_SIZE });
      const next: Cursor =
        own.length === PAGE_SIZE
          ? { phase: 'own', skip: cursor.skip + PAGE_SIZE }
          : { phase: 'public', skip: 0 };
      return { resources: own.map(toResource), nextCursor: encodeCursor(next) };
    }
    const grant = await env.deps.grants.find(env.user.grantId);
    const listed = await env.hub.endpoints.listPublic({ skip: cursor.skip, limit: PAGE_SIZE });
    // The user's own public endpoints were listed in the first phase.
    const others = listed.filter((endpoint) => endpoint.owner_username !== grant?.username);
    return {
      resources: others.map(toResource),
      ...(listed.length === PAGE_SIZE
        ? { nextCursor: encodeCursor({ phase: 'public', skip: cursor.skip + PAGE_SIZE }) }
        : {}),
    };
  });
}
