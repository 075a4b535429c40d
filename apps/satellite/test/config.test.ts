import { resolve } from 'node:path';
import { EnvError } from '@syfthub/service';
import { describe, expect, it } from 'vitest';
import { CatalogueError, defaultCatalogue, parseCatalogue } from '../src/catalogue';
import { parseSatelliteEnv } from '../src/env';

describe('endpoint catalogue', () => {
  it('applies defaults and resolves paths against the catalogue folder', () => {
    const [entry] = parseCatalogue(
      {
        endpoints: [
          { slug: 'notes', name: 'Notes', type: 'data_source', docs_dir: 'docs', readme_file: 'R.md' },
        ],
      },
      '/srv/satellite',
    );
    expect(entry).toEqual({
      slug: 'notes',
      name: 'Notes',
      type: 'data_source',
      description: '',
      tags: [],
      version: '1.0.0',
      visibility: 'public',
      docsDir: '/srv/satellite/docs',
      readmeFile: '/srv/satellite/R.md',
      allowGuests: true,
      tenantName: null,
    });
  });

  it('names every problem', () => {
    const attempt = () =>
      parseCatalogue(
        {
          endpoints: [
            { slug: 'docs', name: 'Reserved', type: 'model' },
            { slug: 'notes', name: 'No folder', type: 'data_source' },
            { slug: 'notes', name: 'Twice', type: 'model', version: 'v1' },
          ],
        },
        '/',
      );
    expect(attempt).toThrow(CatalogueError);
    expect(attempt).toThrow(/endpoints\.0\.slug: is reserved by the hub/);
    expect(attempt).toThrow(/endpoints\.1\.docs_dir: docs_dir is required for data sources/);
    expect(attempt).toThrow(/endpoints\.2\.version/);
  });

  it('normalises tags and refuses those the hub would reject', () => {
    const [entry] = parseCatalogue(
      { endpoints: [{ slug: 'notes', name: 'N', type: 'model', tags: [' HR '] }] },
      '/',
    );
    expect(entry?.tags).toEqual(['hr']);
    expect(() =>
      parseCatalogue(
        { endpoints: [{ slug: 'notes', name: 'N', type: 'model', tags: ['machine learning'] }] },
        '/',
      ),
    ).toThrow(/endpoints\.0\.tags\.0/);
  });

  it('reports duplicate slugs', () => {
    expect(() =>
      parseCatalogue(
        {
          endpoints: [
            { slug: 'notes', name: 'A', type: 'model' },
            { slug: 'notes', name: 'B', type: 'model' },
          ],
        },
        '/',
      ),
    ).toThrow(/duplicate slug "notes"/);
  });

  it('defaults to a data source and the assistant model', () => {
    expect(defaultCatalogue('/data/docs').map((e) => [e.slug, e.name, e.type, e.docsDir])).toEqual([
      ['documents', 'Documents', 'data_source', resolve('/data/docs')],
      ['assistant', 'Assistant', 'model', null],
    ]);
  });
});

describe('environment', () => {
  it('has the documented defaults', () => {
    expect(parseSatelliteEnv({})).toMatchObject({
      SATELLITE_PORT: 8003,
      SATELLITE_PUBLIC_URL: 'http://localhost:8003',
      SYFTHUB_URL: 'http://localhost:8000',
      SYFTHUB_ISSUER: 'http://localhost:8080',
      SATELLITE_DATA_DIR: './data',
      SATELLITE_DOCS_DIR: './docs',
      SATELLITE_PUBLISH: true,
      SATELLITE_HEALTH_INTERVAL_SECONDS: 60,
      SATELLITE_HEALTH_TTL_SECONDS: 180,
      SATELLITE_RESCAN_SECONDS: 60,
      SATELLITE_REQUIRE_TOKEN: true,
      OPENAI_TIMEOUT_SECONDS: 110,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
  });

  it('reports field and combination problems together, hiding secrets', () => {
    try {
      parseSatelliteEnv({
        OPENAI_BASE_URL: 'ftp://models.example',
        SATELLITE_HUB_PASSWORD: 'hunter2-secret',
        SATELLITE_PUBLISH: 'maybe',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const names = (error as EnvError).problems.map((p) => p.name).sort();
      expect(names).toEqual([
        'OPENAI_BASE_URL',
        'OPENAI_MODEL',
        'SATELLITE_HUB_USERNAME',
        'SATELLITE_PUBLISH',
      ]);
      expect((error as EnvError).message).not.toContain('hunter2-secret');
    }
  });
});
