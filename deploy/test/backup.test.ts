// Backups and restore, for real against the local PostgreSQL (operations.md §10): a database with data is
// dumped with the exact command the backup job runs (backup-loop.sh, and the Kubernetes CronJob's script),
// damaged, restored by restore.sh, and compared with the original row for row.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, containers } from './support/kustomize';
import { repoPath } from './support/repo';

const PG = {
  PGHOST: process.env.PGHOST ?? '127.0.0.1',
  PGPORT: process.env.PGPORT ?? '5432',
  PGUSER: process.env.PGUSER ?? 'postgres',
};
const env = (extra: Record<string, string> = {}) => ({ ...process.env, ...PG, ...extra });

function hasPostgres(): boolean {
  const tools = spawnSync('pg_dump', ['--version']);
  if (tools.status !== 0) return false;
  return spawnSync('pg_isready', ['-q'], { env: env() }).status === 0;
}

const psql = (db: string, sql: string) =>
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-d', db, '-c', sql], {
    env: env(),
    encoding: 'utf8',
  }).trim();

const databases = (prefix: string) =>
  psql('postgres', `SELECT datname FROM pg_database WHERE datname LIKE '${prefix}%' ORDER BY 1`)
    .split('\n')
    .filter(Boolean);

/** Everything a restore must bring back, as text: rows, sequence positions, the migration history. */
function snapshot(db: string): string {
  return [
    psql(
      db,
      "SELECT string_agg(format('%s|%s|%s|%s|%s', id, name, meta, created, avatar), E'\\n' ORDER BY id) FROM users",
    ),
    psql(db, "SELECT string_agg(format('%s|%s|%s', id, owner_id, slug), E'\\n' ORDER BY id) FROM endpoints"),
    psql(db, 'SELECT last_value FROM users_id_seq'),
    psql(db, "SELECT string_agg(hash, ',' ORDER BY id) FROM drizzle.__drizzle_migrations"),
    psql(db, "SELECT count(*) FROM pg_indexes WHERE tablename = 'endpoints'"),
  ].join('\n--\n');
}

const bash = (script: string, args: string[], extra: Record<string, string>) =>
  spawnSync('bash', [repoPath('deploy', 'scripts', script), ...args], { env: env(extra), encoding: 'utf8' });

describe.skipIf(!process.env.CI && !hasPostgres())('backup and restore against PostgreSQL', () => {
  const db = `syfthub_backup_test_${process.pid}`;
  const backupDir = mkdtempSync(join(tmpdir(), 'syfthub-backup-'));
  let original = '';
  let dump = '';

  beforeAll(() => {
    for (const name of databases(db)) psql('postgres', `DROP DATABASE "${name}" WITH (FORCE)`);
    psql('postgres', `CREATE DATABASE ${db}`);
    // The shapes that matter to a restore: an extension, a second schema, sequences, foreign keys, JSON,
    // binary data, time zones, non-ASCII text, indexes.
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db], {
      env: env(),
      input: `
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE SCHEMA drizzle;
        CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
        INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('0000_extensions', 1), ('0001_init', 2);
        CREATE TABLE users (
          id serial PRIMARY KEY, name text NOT NULL UNIQUE, meta jsonb, created timestamptz NOT NULL, avatar bytea
        );
        CREATE TABLE endpoints (
          id bigserial PRIMARY KEY, owner_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE, slug text NOT NULL
        );
        CREATE INDEX endpoints_slug_trgm ON endpoints USING gin (slug gin_trgm_ops);
        INSERT INTO users (name, meta, created, avatar)
          SELECT 'user-' || g || CASE WHEN g % 7 = 0 THEN ' ünïcødé ✓' ELSE '' END,
                 jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g)),
                 timestamptz '2025-01-01 00:00:00+00' + g * interval '1 hour',
                 decode(md5(g::text), 'hex')
          FROM generate_series(1, 250) g;
        INSERT INTO endpoints (owner_id, slug) SELECT (g % 250) + 1, 'endpoint-' || g FROM generate_series(1, 600) g;
      `,
    });
    original = snapshot(db);
  });

  afterAll(() => {
    for (const name of databases(db)) psql('postgres', `DROP DATABASE "${name}" WITH (FORCE)`);
  });

  it('backup-loop.sh writes a complete dump and keeps only the newest BACKUP_KEEP', () => {
    // Eight older dumps (and a crashed one): after this run only the newest seven remain.
    for (let day = 1; day <= 8; day++) {
      const old = join(backupDir, `syfthub_2020010${day}T030000Z.dump`);
      writeFileSync(old, 'old');
      utimesSync(old, new Date(2020, 0, day), new Date(2020, 0, day));
    }
    writeFileSync(join(backupDir, 'syfthub_20200109T030000Z.dump.partial'), 'half');
    const run = bash('backup-loop.sh', [], {
      BACKUP_ONCE: 'true',
      BACKUP_DIR: backupDir,
      BACKUP_KEEP: '7',
      PGDATABASE: db,
    });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toMatch(/completed .*syfthub_\d{8}T\d{6}Z\.dump: \d+ bytes in \d+s/);
    const files = readdirSync(backupDir).sort();
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(files).toHaveLength(7);
    const fresh = files.filter((f) => !f.startsWith('syfthub_2020'));
    expect(fresh).toHaveLength(1);
    expect(files).not.toContain('syfthub_20200101T030000Z.dump');
    expect(files).not.toContain('syfthub_20200102T030000Z.dump');
    dump = join(backupDir, fresh[0]!);
    // A pg_dump custom-format archive, readable by pg_restore.
    expect(execFileSync('pg_restore', ['--list', dump], { encoding: 'utf8' })).toContain(
      'TABLE DATA public users',
    );
  });

  it('backup-loop.sh fails visibly, and leaves nothing behind, when the database is unreachable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syfthub-backup-fail-'));
    const run = bash('backup-loop.sh', [], {
      BACKUP_ONCE: 'true',
      BACKUP_DIR: dir,
      PGDATABASE: `${db}_missing`,
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('FAILED');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('restore.sh --verify restores into a scratch database, reports it and drops it', () => {
    const run = bash('restore.sh', ['--local', '--verify', dump], { DB_NAME: db, DB_USER: PG.PGUSER });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain('public.users 250');
    expect(run.stdout).toContain('public.endpoints 600');
    expect(run.stdout).toContain('2 migration(s) recorded');
    expect(databases(db)).toEqual([db]);
    expect(snapshot(db)).toBe(original);
  });

  it('restore.sh brings a damaged database back to exactly the dump', () => {
    // Damage: lost rows, changed rows, a table a later migration added, a sequence that moved on.
    psql(db, "DELETE FROM endpoints WHERE id > 100; UPDATE users SET name = 'x' || id WHERE id < 5");
    psql(db, "CREATE TABLE added_later (id int); INSERT INTO users (name, created) VALUES ('late', now())");
    expect(snapshot(db)).not.toBe(original);

    const run = bash('restore.sh', ['--local', '--yes', dump], { DB_NAME: db, DB_USER: PG.PGUSER });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(snapshot(db)).toBe(original);
    expect(psql(db, "SELECT to_regclass('public.added_later') IS NULL")).toBe('t');
    // The damaged database is kept, renamed, until the operator drops it.
    const kept = databases(db).filter((name) => name.startsWith(`${db}_pre_restore_`));
    expect(kept).toHaveLength(1);
    expect(psql(kept[0]!, "SELECT to_regclass('public.added_later') IS NOT NULL")).toBe('t');
    // Sequences continue after the restored rows.
    expect(psql(db, "INSERT INTO users (name, created) VALUES ('next', now()) RETURNING id")).toBe('251');
    psql(db, "DELETE FROM users WHERE name = 'next'; SELECT setval('users_id_seq', 250)");
    expect(snapshot(db)).toBe(original);
  });

  it('restore.sh leaves the live database untouched when the dump is damaged', () => {
    const broken = join(backupDir, 'broken.dump');
    writeFileSync(broken, 'PGDMP this is not an archive');
    const before = databases(db);
    const run = bash('restore.sh', ['--local', '--yes', broken], { DB_NAME: db, DB_USER: PG.PGUSER });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('was not touched');
    expect(databases(db)).toEqual(before);
    expect(snapshot(db)).toBe(original);
  });

  it('restore.sh refuses to replace a database without confirmation', () => {
    const run = spawnSync('bash', [repoPath('deploy', 'scripts', 'restore.sh'), '--local', dump], {
      env: env({ DB_NAME: db, DB_USER: PG.PGUSER }),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('pass --yes');
    expect(snapshot(db)).toBe(original);
  });

  it('the Kubernetes backup CronJob script makes the same kind of dump and rotates the same way', () => {
    const [cron] = build(repoPath('deploy', 'kubernetes', 'base')).filter((r) => r.kind === 'CronJob');
    const container = containers(cron!)[0]!;
    const [shell, flags, script] = container.command as string[];
    const dir = mkdtempSync(join(tmpdir(), 'syfthub-cron-'));
    for (let day = 1; day <= 8; day++) {
      const old = join(dir, `syfthub_2020010${day}T030000Z.dump`);
      writeFileSync(old, 'old');
      utimesSync(old, new Date(2020, 0, day), new Date(2020, 0, day));
    }
    const url = `postgres://${PG.PGUSER}@${PG.PGHOST}:${PG.PGPORT}/${db}`;
    // busybox sh in the image; any POSIX sh here.
    const run = spawnSync(shell === '/bin/sh' ? 'sh' : shell!, [flags!, script!], {
      env: { ...process.env, BACKUP_DIR: dir, BACKUP_KEEP: '7', DATABASE_URL: url },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(7);
    const fresh = files.find((f) => !f.startsWith('syfthub_2020'))!;
    const verify = bash('restore.sh', ['--local', '--verify', join(dir, fresh)], {
      DB_NAME: db,
      DB_USER: PG.PGUSER,
    });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('public.users 250');
    expect(existsSync(join(dir, `${fresh}.partial`))).toBe(false);
  });
});
