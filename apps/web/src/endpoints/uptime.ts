import type { UptimeBucket } from '@syfthub/client';

export interface UptimeCell {
  start: number;
  /** null = no samples ("no data"). */
  pct: number | null;
  samples: number;
  healthy: number;
}

const DAY = 24 * 3600 * 1000;

/**
 * The strip of web.md §5.4: 30-minute buckets for 24 h and 7 d, days for longer windows, every slot present
 * (missing buckets are "no data"), oldest first.
 */
export function uptimeCells(
  buckets: UptimeBucket[],
  windowHours: number,
  bucketSeconds: number,
  now: number = Date.now(),
): UptimeCell[] {
  const perDay = windowHours > 24 * 7;
  const size = perDay ? DAY : bucketSeconds * 1000;
  const end = Math.floor(now / size) * size;
  const count = Math.ceil((windowHours * 3600 * 1000) / size);
  const cells = new Map<number, UptimeCell>();
  for (let i = count - 1; i >= 0; i--) {
    const start = end - i * size;
    cells.set(start, { start, pct: null, samples: 0, healthy: 0 });
  }
  for (const bucket of buckets) {
    const time = Date.parse(bucket.bucket_start);
    if (Number.isNaN(time)) continue;
    const key = Math.floor(time / size) * size;
    const cell = cells.get(key);
    if (!cell) continue;
    cell.samples += bucket.samples;
    cell.healthy += bucket.healthy_samples;
  }
  for (const cell of cells.values()) {
    cell.pct = cell.samples > 0 ? Math.round((cell.healthy / cell.samples) * 10000) / 100 : null;
  }
  return [...cells.values()];
}

export function overallUptime(buckets: UptimeBucket[]): number | null {
  const samples = buckets.reduce((sum, b) => sum + b.samples, 0);
  const healthy = buckets.reduce((sum, b) => sum + b.healthy_samples, 0);
  return samples > 0 ? Math.round((healthy / samples) * 10000) / 100 : null;
}
