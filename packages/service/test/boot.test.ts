import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type BootIo,
  bootService,
  createSilentLogger,
  envPort,
  parseServiceEnv,
  type ServiceDefinition,
} from '../src';

class Exited extends Error {
  constructor(public readonly code: number) {
    super(`exit ${code}`);
  }
}

function io(env: Record<string, string>): BootIo & { written: string[] } {
  const written: string[] = [];
  return {
    env,
    written,
    stderr: (text) => written.push(text),
    exit: (code) => {
      throw new Exited(code);
    },
  };
}

const schema = z.object({
  ENVIRONMENT: z.string().default('development'),
  PORT: envPort(0),
  NAME: z.string().min(2),
});
type Config = z.output<typeof schema>;

function service(steps: string[], overrides: Partial<ServiceDefinition<Config, { name: string }>> = {}) {
  const definition: ServiceDefinition<Config, { name: string }> = {
    name: 'demo',
    parseEnv: (source) => parseServiceEnv(schema, source, { production: [] }),
    buildDeps: async (config) => {
      steps.push('deps');
      return { name: config.NAME };
    },
    start: () => {
      steps.push('start');
      return { stop: () => void steps.push('background stopped') };
    },
    createApp: (deps) => new Hono().get('/', (c) => c.text(`hello ${deps.name}`)),
    listen: (config) => ({ port: config.PORT, host: '127.0.0.1' }),
    logger: () => createSilentLogger(),
    close: async () => void steps.push('closed'),
    ...overrides,
  };
  return definition;
}

describe('bootService', () => {
  it('prints every bad variable and exits 1 before building anything', async () => {
    const steps: string[] = [];
    const boot = io({ PORT: 'abc', NAME: 'x' });
    await expect(bootService(service(steps), boot)).rejects.toEqual(new Exited(1));
    const message = boot.written.join('');
    expect(message).toContain('PORT:');
    expect(message).toContain('NAME:');
    expect(steps).toEqual([]);
  });

  it('builds, starts, serves, and on stop halts the background work before closing the dependencies', async () => {
    const steps: string[] = [];
    const running = await bootService(service(steps), io({ NAME: 'syft' }));
    const res = await fetch(`http://127.0.0.1:${running.port}/`);
    expect(await res.text()).toBe('hello syft');
    expect(steps).toEqual(['deps', 'start']);
    await running.stop();
    expect(steps).toEqual(['deps', 'start', 'background stopped', 'closed']);
  });

  it('reports any other start-up failure with its stack and exits 1', async () => {
    const boot = io({ NAME: 'syft' });
    const failing = service([], {
      buildDeps: async () => {
        throw new Error('database unreachable');
      },
    });
    await expect(bootService(failing, boot)).rejects.toEqual(new Exited(1));
    expect(boot.written.join('')).toMatch(/^demo failed to start: Error: database unreachable\n {4}at /);
  });
});
