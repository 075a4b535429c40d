// The images (operations.md §3.1): each Dockerfile builds what the workspace really has (package names,
// scripts, tsup entry points, files it copies) and ends in a small, non-root, health-checked runtime stage.
import { describe, expect, it } from 'vitest';
import { APP_NAMES, APPS, type AppName, defaultPort, tsupEntries } from './support/apps';
import { variable } from './support/compose';
import {
  argDefaults,
  dockerfileInstructions,
  dockerfileStages,
  execForm,
  type Stage,
  stageEnv,
} from './support/dockerfile';
import { catalog, readPackageJson, readRepoFile, repoFileExists } from './support/repo';

const IMAGES = [...APP_NAMES, 'web'] as const;
const dockerfile = (app: string) => `apps/${app}/Dockerfile`;
const stage = (app: string, name: string): Stage => {
  const found = dockerfileStages(dockerfile(app)).find((s) => s.name === name);
  if (!found) throw new Error(`${dockerfile(app)} has no stage ${name}`);
  return found;
};
const runtime = (app: string): Stage => dockerfileStages(dockerfile(app)).at(-1)!;
const dockerignore = () =>
  readRepoFile('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

describe('.dockerignore', () => {
  it('keeps dependencies, build output, git and secrets out of the build context', () => {
    const rules = dockerignore();
    for (const rule of ['**/node_modules', '**/dist', '.git', '.env', 'nginx/ssl', 'backup']) {
      expect(rules).toContain(rule);
    }
    // ...but not the example file documenting them.
    expect(rules).toContain('!.env.example');
  });
});

describe.each(IMAGES)('apps/%s/Dockerfile', (app) => {
  const pkg = readPackageJson('apps', app);
  const instructions = dockerfileInstructions(dockerfile(app));

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = dockerignore().filter((r) => !r.startsWith('!'));
    for (const copy of instructions.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        if (source === '.') continue;
        expect(repoFileExists(source), `line ${copy.line}: ${source}`).toBe(true);
        const blocked = ignored.some((rule) => rule === source || source.startsWith(`${rule}/`));
        expect(blocked, `line ${copy.line}: ${source} is excluded by .dockerignore`).toBe(false);
      }
    }
  });

  it('prunes the workspace to this package and builds it with its real build script', () => {
    const prune = instructions.find((i) => i.keyword === 'RUN' && i.args.includes('turbo prune'));
    expect(prune?.args).toBe(`turbo prune ${pkg.name} --docker`);
    const build = instructions.find((i) => i.keyword === 'RUN' && i.args.endsWith(' run build'));
    expect(build?.args).toBe(`pnpm --filter=${pkg.name} run build`);
    expect(pkg.scripts?.build, 'package.json build script').toBeDefined();
    const install = instructions.find((i) => i.args.includes('pnpm install'));
    expect(install?.args).toContain('--frozen-lockfile');
  });

  it('installs the pnpm and turbo versions the repository pins', () => {
    const args = argDefaults(dockerfile(app));
    const root = readPackageJson();
    expect(`pnpm@${args.PNPM_VERSION}`).toBe(root.packageManager);
    expect(args.TURBO_VERSION).toBe(catalog().turbo);
  });

  it('has a dev target running the package’s dev script', () => {
    const dev = stage(app, 'dev');
    expect(pkg.scripts?.dev, 'dev script').toBeDefined();
    const cmd = execForm(dev.instructions.find((i) => i.keyword === 'CMD'));
    expect(cmd?.slice(0, 3)).toEqual(['pnpm', 'run', 'dev']);
    expect(dev.instructions.find((i) => i.keyword === 'WORKDIR')?.args).toBe(`/repo/apps/${app}`);
    expect(dev.instructions.find((i) => i.keyword === 'USER')?.args).toBe('node');
  });

  it('ends in a runtime stage that runs as a non-root user with a healthcheck and OCI labels', () => {
    const final = runtime(app);
    expect(final.name).toBe('runtime');
    const user = final.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user && !['root', '0'].includes(user), `USER ${user}`).toBe(true);
    const health = final.instructions.find((i) => i.keyword === 'HEALTHCHECK');
    expect(health?.args).toMatch(/CMD wget -q -O \/dev\/null "?http:\/\/127\.0\.0\.1:/);
    const labels = final.instructions
      .filter((i) => i.keyword === 'LABEL')
      .map((i) => i.args)
      .join(' ');
    for (const label of ['source', 'revision', 'version', 'created']) {
      expect(labels).toContain(`org.opencontainers.image.${label}=`);
    }
  });
});

describe.each(APP_NAMES)('apps/%s/Dockerfile (Node service)', (app: AppName) => {
  const final = () => runtime(app);
  const hasTsupConfig = tsupEntries(app) !== null;

  it('runs on node:22-alpine under tini as the node user, in production mode', () => {
    expect(argDefaults(dockerfile(app)).NODE_IMAGE).toBe('node:22-alpine');
    expect(final().base).toBe(variable('NODE_IMAGE'));
    expect(stageEnv(final()).NODE_ENV).toBe('production');
    expect(execForm(final().instructions.find((i) => i.keyword === 'ENTRYPOINT'))).toEqual([
      '/sbin/tini',
      '--',
    ]);
    expect(
      final()
        .instructions.filter((i) => i.keyword === 'USER')
        .at(-1)?.args,
    ).toBe('node');
  });

  it('ships only the bundle and production dependencies', () => {
    const deploy = stage(app, 'build').instructions.find((i) => i.args.includes(' deploy '));
    expect(deploy?.args).toContain(`--filter=${APPS[app].packageName}`);
    expect(deploy?.args).toContain('--prod');
    const copies = final()
      .instructions.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from=build'))
      .map((i) => i.args.replace('--from=build ', ''));
    expect(copies).toEqual([
      '/prod/package.json ./package.json',
      '/prod/node_modules ./node_modules',
      `/repo/apps/${app}/dist ./dist`,
    ]);
  });

  it.skipIf(!hasTsupConfig)('starts dist/main.js, an entry point of the tsup bundle', () => {
    expect(tsupEntries(app)).toContain('main');
    const cmd = execForm(final().instructions.find((i) => i.keyword === 'CMD'));
    expect(cmd?.[0]).toBe('node');
    expect(cmd?.at(-1)).toBe('dist/main.js');
    // Node options (the backend's heap settings) are the same in the image and in `pnpm start`, which the bench runs.
    expect(cmd?.join(' ')).toBe(readPackageJson('apps', app).scripts?.start);
    expect(readPackageJson('apps', app).scripts?.build).toBe('tsup');
  });

  it('listens, exposes and health-checks the port the service defaults to', async () => {
    const port = await defaultPort(app);
    const { portVariable } = APPS[app];
    expect(stageEnv(final())[portVariable]).toBe(String(port));
    expect(final().instructions.find((i) => i.keyword === 'EXPOSE')?.args).toBe(String(port));
    expect(stage(app, 'dev').instructions.find((i) => i.keyword === 'EXPOSE')?.args).toBe(String(port));
    const health = final().instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
    expect(health.args).toContain(`http://127.0.0.1:\${${portVariable}}/health`);
  });
});

describe('apps/backend/Dockerfile', () => {
  it.skipIf(tsupEntries('backend') === null)('contains the migration runner the migrate job starts', () => {
    expect(tsupEntries('backend')).toContain('migrate');
  });
});

describe('apps/satellite/Dockerfile', () => {
  it('ships the demo catalogue and corpus it points the satellite at', () => {
    const env = stageEnv(runtime('satellite'));
    expect(env.SATELLITE_ENDPOINTS_FILE).toBe('/app/endpoints.example.json');
    const copies = runtime('satellite')
      .instructions.filter((i) => i.keyword === 'COPY')
      .map((i) => i.args);
    expect(copies).toContain('apps/satellite/endpoints.example.json ./endpoints.example.json');
    expect(copies).toContain('apps/satellite/corpus ./corpus');
    const catalogue = JSON.parse(readRepoFile('apps', 'satellite', 'endpoints.example.json')) as {
      endpoints: { docs_dir?: string }[];
    };
    for (const e of catalogue.endpoints) {
      if (e.docs_dir) expect(e.docs_dir.startsWith('corpus/'), e.docs_dir).toBe(true);
    }
  });
});

describe('apps/web/Dockerfile', () => {
  it('bakes in exactly the VITE_ settings the SPA reads', () => {
    const build = stage('web', 'build');
    const args = build.instructions.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=')[0]);
    const source = readRepoFile('apps', 'web', 'src', 'config.ts');
    const read = [...source.matchAll(/import\.meta\.env\.(VITE_[A-Z_]+)/g)].map((m) => m[1]);
    expect([...new Set(args)].sort()).toEqual([...new Set(read)].sort());
  });

  it('serves the Vite build from the nginx image, with the copy job and the k8s config', () => {
    const final = runtime('web');
    expect(argDefaults(dockerfile('web')).NGINX_IMAGE).toMatch(/^nginxinc\/nginx-unprivileged:1\.27-alpine$/);
    const copies = final.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=build /repo/apps/web/dist /usr/share/nginx/html');
    expect(copies).toContain('deploy/web/nginx.conf /etc/nginx/nginx.conf');
    expect(copies).toContain('--chmod=0755 deploy/web/copy-spa.sh /usr/local/bin/copy-spa');
    expect(copies).toContain('nginx/common /etc/nginx/common');
    expect(final.instructions.find((i) => i.keyword === 'EXPOSE')?.args).toBe('8080');
    expect(readRepoFile('deploy', 'web', 'nginx.conf')).toContain('listen 8080;');
    expect(readPackageJson('apps', 'web').scripts?.build).toBe('vite build');
    // Vite writes to apps/web/dist (vite.config.ts build.outDir).
    expect(readRepoFile('apps', 'web', 'vite.config.ts')).toMatch(/outDir:\s*'dist'/);
  });
});
