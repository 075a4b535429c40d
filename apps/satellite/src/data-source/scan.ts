import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import type { Log } from '../log';

export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
const EXTENSIONS = new Set(['.md', '.markdown', '.txt']);

export interface ScannedFile {
  /** Path relative to the data source folder, with forward slashes on every platform. */
  path: string;
  absolutePath: string;
  size: number;
  mtimeMs: number;
}

export interface SourceDocument {
  path: string;
  title: string;
  text: string;
}

/** Lists candidate documents, sorted by path; hidden files and folders are skipped. */
export async function scanFolder(root: string): Promise<ScannedFile[]> {
  const files: ScannedFile[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const absolutePath = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(absolutePath);
      } else if (entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase())) {
        const info = await stat(absolutePath);
        files.push({
          path: relative(root, absolutePath).split(sep).join('/'),
          absolutePath,
          size: info.size,
          mtimeMs: info.mtimeMs,
        });
      }
    }
  }
  await walk(root);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Changes whenever a file is added, removed, resized or touched. */
export function folderSignature(files: readonly ScannedFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\u0000${f.size}\u0000${f.mtimeMs}\n`);
  return hash.digest('hex');
}

const TITLE = /^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/m;

export function documentTitle(path: string, text: string): string {
  const heading = TITLE.exec(text)?.[1]?.trim();
  return heading !== undefined && heading !== '' ? heading : basename(path, extname(path));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readDocuments(files: readonly ScannedFile[], log: Log): Promise<SourceDocument[]> {
  const documents: SourceDocument[] = [];
  for (const file of files) {
    if (file.size > MAX_DOCUMENT_BYTES) {
      log.warn(
        { event: 'satellite.document.skipped', path: file.path, reason: 'too_large' },
        'Document skipped',
      );
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(await readFile(file.absolutePath)).replace(/^\uFEFF/, '');
    } catch (error) {
      const reason = error instanceof TypeError ? 'not_utf8' : 'unreadable';
      log.warn({ event: 'satellite.document.skipped', path: file.path, reason }, 'Document skipped');
      continue;
    }
    documents.push({ path: file.path, title: documentTitle(file.path, text), text });
  }
  return documents;
}
