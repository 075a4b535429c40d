import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/log-flood.ts', import.meta.url));

describe('the JSON logger on stdout', () => {
  it('keeps running while stdout is not read, and writes every line out by exit', async () => {
    const lines = 5000; // ~2 MB: far more than a pipe holds (64 KiB), so a waiting write would never return
    const child = spawn(tsx, [script, String(lines)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Nothing reads stdout until the child says it has logged everything.
    while (!stderr.includes('written')) {
      const [event] = await Promise.race([
        once(child.stderr, 'data'),
        once(child, 'exit').then(() => ['exit']),
      ]);
      if (event === 'exit') break;
    }
    expect(stderr).toContain('written');

    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    const [code] = (await once(child, 'exit')) as [number | null];
    if (!child.stdout.readableEnded) await once(child.stdout, 'end');
    expect(code, stderr).toBe(0);

    const written = Buffer.concat(chunks)
      .toString()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { event: string; seq: number });
    expect(written).toHaveLength(lines);
    expect(written.map((line) => line.seq)).toEqual(Array.from({ length: lines }, (_, i) => i));
  }, 30_000);

  it('writes a lone line out soon, while the process keeps running', async () => {
    const child = spawn(tsx, [script, '1', 'stay'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      expect(JSON.parse(chunk.toString())).toMatchObject({ event: 'flood.line', seq: 0, service: 'flood' });
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
