import { ApiError } from '@syfthub/client';
import { describe, expect, it } from 'vitest';
import { toEndpointRef } from '../src/chat/resolve';
import { historyFor, type Turn } from '../src/chat/useConversation';
import {
  createBody,
  draftFrom,
  emptyConnection,
  emptyDraft,
  fieldForLoc,
  resolvedConnectionUrl,
  updateBody,
  validateDraft,
} from '../src/endpoints/formModel';
import { overallUptime, uptimeCells } from '../src/endpoints/uptime';
import { mapApiError } from '../src/lib/formErrors';
import {
  deriveSlug,
  usernameFromEmail,
  validatePassword,
  validateSlug,
  validateTag,
  validateUsername,
} from '../src/lib/validation';
import { cliCallbackUrl, parseCliParams } from '../src/pages/CliSetupPage';
import { baseUser, endpoint } from './helpers';

describe('validation mirrors the hub (backend-api.md §3.11, §2.4)', () => {
  it('usernames', () => {
    expect(validateUsername('al')).toMatch(/3/);
    expect(validateUsername('alice_1-x')).toBeNull();
    expect(validateUsername('ali ce')).toMatch(/letters/);
    expect(validateUsername('Settings')).toMatch(/reserved/);
  });
  it('passwords need 8 characters, a letter and a digit', () => {
    expect(validatePassword('short1')).toMatch(/8/);
    expect(validatePassword('longenough')).toMatch(/digit/);
    expect(validatePassword('12345678')).toMatch(/letter/);
    expect(validatePassword('correct horse 1')).toBeNull();
  });
  it('slugs and tags', () => {
    expect(validateSlug('my-endpoint')).toBeNull();
    expect(validateSlug('My-endpoint')).not.toBeNull();
    expect(validateSlug('a--b')).toMatch(/--/);
    expect(validateSlug('admin')).toMatch(/reserved/);
    expect(validateTag('Machine-Learning')).toBeNull();
    expect(validateTag('bad tag')).not.toBeNull();
  });
  it('derives slugs like the hub', () => {
    expect(deriveSlug('Legal Docs (EU)!')).toBe('legal-docs-eu');
    expect(deriveSlug('AI')).toBe('endpoint-ai');
    expect(deriveSlug('x'.repeat(80))).toHaveLength(63);
  });
  it('pre-fills a username from the e-mail', () => {
    expect(usernameFromEmail('Jo.Ann+x@example.com')).toBe('joannx');
    expect(usernameFromEmail('a@b.co')).toBe('a00');
  });
});

describe('endpoint form model (web.md §5.8)', () => {
  it('maps 422 locations to form fields', () => {
    expect(fieldForLoc(['tags', 3])).toBe('tags.3');
    expect(fieldForLoc(['policies', 1, 'config'])).toBe('policies.1.config');
    expect(fieldForLoc(['connect', 0, 'config', 'url'])).toBe('connect.0.url');
    expect(fieldForLoc(['connect', 0, 'config', 'tenant_name'])).toBe('connect.0.tenant');
    expect(fieldForLoc(['connect', 0, 'extra_key'])).toBe('connect.0.extra');
    expect(fieldForLoc(['name'])).toBe('name');
    expect(fieldForLoc(['unknown'])).toBeNull();
    const error = new ApiError({
      status: 422,
      detail: [
        { type: 'string_pattern_mismatch', loc: ['body', 'tags', 3], msg: 'Invalid tag' },
        { type: 'extra_forbidden', loc: ['body', 'policies', 1, 'config'], msg: 'Too large' },
        { type: 'value_error', loc: ['body'], msg: 'Broken' },
      ],
    });
    expect(mapApiError(error, fieldForLoc)).toEqual({
      fields: { 'tags.3': 'Invalid tag', 'policies.1.config': 'Too large' },
      summary: 'Broken',
      correlationId: null,
    });
  });

  it('validates before sending', () => {
    const draft = { ...emptyDraft(), name: '', slug: 'x', version: '1.0', tags: ['ok', 'not ok'] };
    draft.connections = [{ ...emptyConnection(), extra: '[1]' }];
    const errors = validateDraft(draft, true);
    expect(Object.keys(errors).sort()).toEqual(['connect.0.extra', 'name', 'slug', 'tags.1', 'version']);
  });

  it('builds a create body and a minimal update body', () => {
    const draft = { ...emptyDraft(), name: 'Legal docs', slug: 'legal-docs', tags: ['law'] };
    draft.connections = [{ ...emptyConnection(), url: '', tenant: 'acme', extra: '{"path": "/v1"}' }];
    expect(createBody(draft)).toMatchObject({
      name: 'Legal docs',
      slug: 'legal-docs',
      type: 'data_source',
      connect: [{ type: 'http', enabled: true, config: { url: '', tenant_name: 'acme', path: '/v1' } }],
    });
    const owner = {
      ...endpoint(),
      user_id: 1,
      visibility: 'public',
      is_active: true,
      contributors: [1],
      health_ttl_seconds: 300,
    };
    const original = draftFrom(owner as Parameters<typeof draftFrom>[0]);
    expect(updateBody(original, original)).toEqual({});
    expect(updateBody(original, { ...original, description: 'New', archived: true })).toEqual({
      description: 'New',
      archived: true,
    });
  });

  it('previews connection URLs as the hub will rewrite them', () => {
    expect(resolvedConnectionUrl('', 'http', 'https://sat.example.com')).toBe('https://sat.example.com');
    expect(resolvedConnectionUrl('/api', 'http', 'https://sat.example.com/')).toBe(
      'https://sat.example.com/api',
    );
    expect(resolvedConnectionUrl('ws', 'websocket', 'https://sat.example.com')).toBe(
      'wss://sat.example.com/ws',
    );
    expect(resolvedConnectionUrl('https://other.example.com', 'http', 'https://sat.example.com')).toBe(
      'https://other.example.com',
    );
    expect(resolvedConnectionUrl('x', 'http', 'tunneling:alice')).toBe('tunneling:alice');
  });
});

describe('chat request building (web.md §6.2)', () => {
  it('takes the first enabled connection with a URL and keeps tenant_name', () => {
    const ref = toEndpointRef(
      endpoint({
        connect: [
          { type: 'http', enabled: false, description: '', config: { url: 'http://off' } },
          { type: 'http', enabled: true, description: '', config: { url: '' } },
          {
            type: 'http',
            enabled: true,
            description: '',
            config: { url: 'http://sat:8003', tenant_name: 'acme' },
          },
        ],
      }) as Parameters<typeof toEndpointRef>[0],
      'source',
    );
    expect(ref).toEqual({
      url: 'http://sat:8003',
      slug: 'docs',
      name: 'Docs',
      tenant_name: 'acme',
      owner_username: 'alice',
    });
  });

  it('rejects the wrong type and missing connections with the endpoint named', () => {
    expect(() => toEndpointRef(endpoint() as Parameters<typeof toEndpointRef>[0], 'model')).toThrow(
      /alice\/docs.*not a model/,
    );
    expect(() =>
      toEndpointRef(endpoint({ connect: [] }) as Parameters<typeof toEndpointRef>[0], 'source'),
    ).toThrow(/no usable connection/);
  });

  it('history strips citation markers from earlier answers', () => {
    const model = { path: 'alice/assistant', name: 'Assistant', type: 'model' as const };
    const turns: Turn[] = [
      { id: '1', role: 'user', content: 'Q1', model, sources: [] },
      {
        id: '2',
        role: 'assistant',
        model,
        run: { phase: 'complete', text: 'A1 [cite:1] done.' } as Extract<Turn, { role: 'assistant' }>['run'],
      },
    ];
    expect(historyFor(turns)).toEqual([
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1  done.' },
    ]);
  });
});

describe('CLI setup (web.md §5.11)', () => {
  it('validates port and state and always targets 127.0.0.1', () => {
    expect(parseCliParams(new URLSearchParams('port=8765&state=abc_123'))).toEqual({
      port: 8765,
      state: 'abc_123',
    });
    expect(parseCliParams(new URLSearchParams('port=80&state=abc'))).toBeNull();
    expect(parseCliParams(new URLSearchParams('port=70000&state=abc'))).toBeNull();
    expect(parseCliParams(new URLSearchParams('port=8765&state='))).toBeNull();
    expect(parseCliParams(new URLSearchParams('port=8765&state=a%20b'))).toBeNull();
    expect(cliCallbackUrl(8765, 'syft_pat_x', 's1')).toBe(
      'http://127.0.0.1:8765/cli/done?token=syft_pat_x&state=s1',
    );
  });
});

describe('uptime strip (web.md §5.4)', () => {
  const now = Date.parse('2026-07-08T12:10:00.000Z');
  it('fills missing 30-minute buckets with "no data"', () => {
    const cells = uptimeCells(
      [{ bucket_start: '2026-07-08T11:30:00.000Z', samples: 30, healthy_samples: 15, uptime_pct: 50 }],
      24,
      1800,
      now,
    );
    expect(cells).toHaveLength(48);
    expect(cells.at(-2)).toMatchObject({ pct: 50, samples: 30 });
    expect(cells.filter((c) => c.pct === null)).toHaveLength(47);
  });
  it('aggregates per day for long windows', () => {
    const cells = uptimeCells(
      [
        { bucket_start: '2026-07-07T01:00:00.000Z', samples: 10, healthy_samples: 10, uptime_pct: 100 },
        { bucket_start: '2026-07-07T02:00:00.000Z', samples: 10, healthy_samples: 0, uptime_pct: 0 },
      ],
      24 * 30,
      1800,
      now,
    );
    expect(cells).toHaveLength(30);
    expect(cells.find((c) => c.samples === 20)?.pct).toBe(50);
    expect(overallUptime([{ bucket_start: '', samples: 4, healthy_samples: 3, uptime_pct: 75 }])).toBe(75);
  });
  void baseUser;
});
