// turbo replays a cached `typecheck` while its inputs are unchanged: a file tsc checks that turbo does not hash
// would let a warm cache hide a type error in it (CI's cache included).
import { relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { workspacePackages } from './support/apps';
import { readRepoFile, repoPath } from './support/repo';

const turbo = JSON.parse(readRepoFile('turbo.json')) as { tasks: Record<string, { inputs?: string[] }> };

// turbo's input globs: `**` crosses directories, `*` does not.
function globPattern(glob: string): RegExp {
  const source = glob
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${source}$`);
}

/** The files `tsc -p tsconfig.json` checks in a package, relative to it. */
function checkedFiles(dir: string): string[] {
  const root = repoPath(dir);
  const config = ts.readConfigFile(repoPath(dir, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  return parsed.fileNames.map((file) => relative(root, file));
}

describe('turbo typecheck inputs', () => {
  const inputs = (turbo.tasks.typecheck?.inputs ?? []).map(globPattern);

  it.each([...workspacePackages()])('cover every file tsc checks in %s', (_, dir) => {
    const files = checkedFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !inputs.some((input) => input.test(file)))).toEqual([]);
  });
});
