import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSatelliteEnv } from '../src/env';
import { createSatellite, type Satellite } from '../src/satellite';
import { captureLogger, eventually, postJson, removeDir, tempDir, writeFiles } from './helpers';

interface Doc {
  document_id: string;
  content: string;
  metadata: Record<string, unknown>;
  similarity_score: number;
}
interface Body {
  summary: null;
  references: { documents: Doc[] };
  cost: number;
  currency: string;
}

let dir: string;
let satellite: Satellite;
let lines: string[];

const ROSES = [
  '# Roses',
  '',
  'A short guide to growing roses in a small garden.',
  '',
  '## Pruning',
  '',
  'Prune roses in late winter, cutting each stem above an outward-facing bud. Pruning roses keeps them open.',
  '',
  '## Feeding',
  '',
  'Feed roses with compost in spring and again after the first flowering.',
].join('\n');

async function ask(body: Record<string, unknown>, slug = 'garden'): Promise<Body> {
  const res = await satellite.app.request(`/api/v1/endpoints/${slug}/query`, postJson(body));
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
}

beforeAll(async () => {
  dir = await tempDir();
  await writeFiles(dir, {
    'docs/garden/roses.md': ROSES,
    'docs/garden/tomatoes.markdown':
      '# Tomatoes\n\nTomatoes need full sun. Pinch out side shoots; no pruning of roots.',
    'docs/notes.txt': 'Water early in the morning so leaves dry before night.',
    'docs/untitled.md': 'Compost heaps need air and turning every few weeks.',
    'docs/.drafts/secret.md': '# Secret\n\nPruning secrets nobody should see.',
    'docs/big.md': `# Big\n\n${'pruning '.repeat(300_000)}`,
    'docs/latin1.md': Buffer.from([0x23, 0x20, 0x50, 0x72, 0x75, 0x6e, 0x69, 0x6e, 0x67, 0x20, 0xe9, 0xff]),
    'docs/picture.png': 'pruning',
    'endpoints.json': JSON.stringify({
      endpoints: [
        {
          slug: 'garden',
          name: 'Garden notes',
          type: 'data_source',
          docs_dir: 'docs',
          description: 'Plants.',
        },
        { slug: 'assistant', name: 'Assistant', type: 'model' },
      ],
    }),
  });
  const env = parseSatelliteEnv({
    SATELLITE_ENDPOINTS_FILE: join(dir, 'endpoints.json'),
    SATELLITE_REQUIRE_TOKEN: 'false',
    SATELLITE_PUBLISH: 'false',
    SATELLITE_RESCAN_SECONDS: '1',
  });
  const captured = captureLogger();
  lines = captured.lines;
  satellite = await createSatellite(env, captured.logger);
  await satellite.start();
});

afterAll(async () => {
  await satellite.stop();
  await removeDir(dir);
});

describe('data source ingestion', () => {
  it('indexes Markdown and text files recursively, skipping hidden, oversize and non-UTF-8 files', () => {
    const index = satellite.endpoints.dataSources.get('garden')?.index;
    expect(index?.documents).toEqual([
      { path: 'garden/roses.md', title: 'Roses' },
      { path: 'garden/tomatoes.markdown', title: 'Tomatoes' },
      { path: 'notes.txt', title: 'notes' },
      { path: 'untitled.md', title: 'untitled' },
    ]);
    const skipped = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'satellite.document.skipped');
    expect(skipped.map((l) => [l.path, l.reason]).sort()).toEqual([
      ['big.md', 'too_large'],
      ['latin1.md', 'not_utf8'],
    ]);
  });

  it('reports documents and chunks in /health', async () => {
    const res = await satellite.app.request('/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'healthy',
      service: 'satellite',
      mode: 'demo',
      endpoints: [
        { slug: 'garden', type: 'data_source', status: 'healthy', documents: 4, chunks: 6 },
        { slug: 'assistant', type: 'model', status: 'healthy' },
      ],
      hub: { owner: null, published: false, last_report_at: null },
    });
  });

  it('lists the local catalogue', async () => {
    const res = await satellite.app.request('/api/v1/endpoints');
    expect(await res.json()).toEqual([
      {
        slug: 'garden',
        name: 'Garden notes',
        type: 'data_source',
        description: 'Plants.',
        allow_guests: true,
      },
      { slug: 'assistant', name: 'Assistant', type: 'model', description: '', allow_guests: true },
    ]);
  });
});

describe('data source queries', () => {
  it('returns the best chunk first with a similarity of 1.0 and titled metadata', async () => {
    const body = await ask({
      messages: 'pruning roses',
      limit: 5,
      similarity_threshold: 0,
      include_metadata: true,
    });
    expect(body.summary).toBeNull();
    expect(body.cost).toBe(0);
    expect(body.currency).toBe('USD');
    const [best, ...rest] = body.references.documents;
    expect(best).toEqual({
      document_id: 'garden/roses.md#1',
      content:
        'Prune roses in late winter, cutting each stem above an outward-facing bud. Pruning roses keeps them open.',
      metadata: {
        title: 'Roses › Pruning',
        source_path: 'garden/roses.md',
        chunk_index: 1,
        heading: 'Pruning',
        score_bm25: expect.any(Number),
      },
      similarity_score: 1,
    });
    expect(rest.length).toBeGreaterThan(0);
    const bestRaw = best?.metadata.score_bm25 as number;
    for (const doc of rest) {
      expect(doc.similarity_score).toBeLessThan(1);
      expect(doc.similarity_score).toBeCloseTo((doc.metadata.score_bm25 as number) / bestRaw, 3);
    }
    const scores = body.references.documents.map((d) => d.similarity_score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(body.references.documents.map((d) => d.document_id)).not.toContain('.drafts/secret.md#0');
  });

  it('uses the document title for text under the first heading and the file name without one', async () => {
    const intro = await ask({ messages: 'small garden guide', limit: 1 });
    expect(intro.references.documents[0]?.metadata.title).toBe('Roses');
    const compost = await ask({ messages: 'compost heaps turning', limit: 1 });
    expect(compost.references.documents[0]).toMatchObject({
      document_id: 'untitled.md#0',
      metadata: { title: 'untitled', heading: null },
    });
  });

  it('drops documents under the similarity threshold', async () => {
    const all = await ask({ messages: 'pruning roses', limit: 10, similarity_threshold: 0 });
    const strict = await ask({ messages: 'pruning roses', limit: 10, similarity_threshold: 0.99 });
    expect(all.references.documents.length).toBeGreaterThan(1);
    expect(strict.references.documents.map((d) => d.document_id)).toEqual(['garden/roses.md#1']);
  });

  it('honours limit', async () => {
    const body = await ask({ messages: 'roses', limit: 1 });
    expect(body.references.documents).toHaveLength(1);
  });

  it('returns metadata only when asked', async () => {
    const body = await ask({ messages: 'roses', limit: 1, include_metadata: false });
    expect(body.references.documents[0]?.metadata).toEqual({});
  });

  it('answers 200 with no documents when nothing matches', async () => {
    const body = await ask({ messages: 'zebra migration', limit: 5 });
    expect(body.references.documents).toEqual([]);
    const stopWordsOnly = await ask({ messages: 'the of and', limit: 5 });
    expect(stopWordsOnly.references.documents).toEqual([]);
  });

  it('accepts a message list and searches with the last user turn', async () => {
    const body = await ask({
      messages: [
        { role: 'user', content: 'tell me about compost' },
        { role: 'assistant', content: 'Sure.' },
        { role: 'user', content: 'full sun tomatoes' },
      ],
      limit: 1,
    });
    expect(body.references.documents[0]?.document_id).toBe('garden/tomatoes.markdown#0');
  });

  it('finds the slug case-insensitively', async () => {
    const body = await ask({ messages: 'roses', limit: 1 }, 'GARDEN');
    expect(body.references.documents).toHaveLength(1);
  });
});

describe('rescans', () => {
  it('picks up a new document on the timer and swaps in a new index', async () => {
    const source = satellite.endpoints.dataSources.get('garden')!;
    const before = source.index!;
    await writeFiles(dir, {
      'docs/garden/lavender.md': '# Lavender\n\nLavender likes poor, dry, stony soil.',
    });
    const body = await eventually(async () => {
      const found = await ask({ messages: 'lavender stony soil', limit: 1 });
      expect(found.references.documents[0]?.document_id).toBe('garden/lavender.md#0');
      return found;
    });
    expect(body.references.documents[0]?.metadata.title).toBe('Lavender');
    expect(source.index).not.toBe(before);
    expect(source.readme()).toContain('- Documents: 5');
    expect(source.readme()).toContain('- Lavender');
  });

  it('does not rebuild when nothing changed', async () => {
    const source = satellite.endpoints.dataSources.get('garden')!;
    await source.rescan();
    const current = source.index;
    expect(await source.rescan()).toBe(false);
    expect(source.index).toBe(current);
  });

  it('notices a removed document', async () => {
    const source = satellite.endpoints.dataSources.get('garden')!;
    await removeDir(join(dir, 'docs/notes.txt'));
    expect(await source.rescan()).toBe(true);
    expect(source.index?.documents.map((d) => d.path)).not.toContain('notes.txt');
  });
});
