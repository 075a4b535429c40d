import { access, constants } from 'node:fs/promises';
import type { CatalogueEntry } from '../catalogue';
import { type Log, silentLog } from '../log';
import { buildDocumentIndex, type DocumentIndex } from './index';
import { generateReadme } from './readme';
import { folderSignature, readDocuments, scanFolder } from './scan';

export interface DataSourceOptions {
  log?: Log;
  /** Called after a rebuild swapped in a new index (the generated README changed). */
  onRebuilt?: (source: DataSource) => void;
}

/**
 * A folder of documents with a BM25 index. Rescans compare a signature of paths, sizes and modification times and
 * rebuild only on change; the new index replaces the old one in a single assignment, so a query always sees one
 * complete index.
 */
export class DataSource {
  readonly entry: CatalogueEntry;
  readonly docsDir: string;
  private current: DocumentIndex | null = null;
  private signature: string | null = null;
  private readable = false;
  private running: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly log: Log;
  private readonly onRebuilt: ((source: DataSource) => void) | undefined;

  constructor(entry: CatalogueEntry, options: DataSourceOptions = {}) {
    if (entry.docsDir === null) throw new TypeError(`Data source ${entry.slug} has no docs_dir`);
    this.entry = entry;
    this.docsDir = entry.docsDir;
    this.log = options.log ?? silentLog;
    this.onRebuilt = options.onRebuilt;
  }

  get index(): DocumentIndex | null {
    return this.current;
  }

  get healthy(): boolean {
    return this.readable && this.current !== null;
  }

  readme(): string | null {
    return this.current === null ? null : generateReadme(this.entry, this.current);
  }

  /** Rescans the folder; resolves true when a new index was swapped in. Concurrent calls share one scan. */
  rescan(): Promise<boolean> {
    this.running ??= this.scanOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  startRescanning(intervalMs: number): void {
    this.stopRescanning();
    this.timer = setInterval(() => {
      void this.rescan();
    }, intervalMs);
    this.timer.unref();
  }

  stopRescanning(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async scanOnce(): Promise<boolean> {
    const started = Date.now();
    try {
      await access(this.docsDir, constants.R_OK);
      const files = await scanFolder(this.docsDir);
      this.readable = true;
      const signature = folderSignature(files);
      if (signature === this.signature && this.current !== null) return false;
      const documents = await readDocuments(files, this.log);
      const index = buildDocumentIndex(documents);
      this.current = index;
      this.signature = signature;
      this.log.info(
        {
          event: 'satellite.index.built',
          slug: this.entry.slug,
          documents: index.documents.length,
          chunks: index.chunks.length,
          duration_ms: Date.now() - started,
        },
        'Data source index built',
      );
      this.onRebuilt?.(this);
      return true;
    } catch (error) {
      this.readable = false;
      this.log.warn(
        {
          event: 'satellite.index.failed',
          slug: this.entry.slug,
          error: { type: (error as Error).name, message: (error as Error).message },
        },
        'Data source folder cannot be read',
      );
      return false;
    }
  }
}
