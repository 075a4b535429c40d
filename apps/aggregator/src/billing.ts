import { asRecord } from './satellite-http';
import type { Billing, BillingEntry } from './types';

export interface PolicySource {
  path: string;
  policyMetadata: unknown;
}

function amountOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * Copies every policy entry (data sources in request order, then the model) with its source path, and totals the
 * charged amounts when they share one currency (§9). Null when no entry came back.
 */
export function buildBilling(sources: readonly PolicySource[]): Billing | null {
  const entries: BillingEntry[] = [];
  for (const { path, policyMetadata } of sources) {
    const list = asRecord(policyMetadata)?.entries;
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const entry = asRecord(item);
      if (entry) entries.push({ ...entry, source: path });
    }
  }
  if (entries.length === 0) return null;
  const charged = entries.filter((e) => e.status === 'charged');
  const currencies = new Set<string>();
  for (const e of charged)
    if (typeof e.currency === 'string' && e.currency !== '') currencies.add(e.currency);
  if (currencies.size !== 1) return { total_cost: null, currency: null, entries };
  let total = 0;
  for (const e of charged) {
    const amount = amountOf(e.amount);
    if (amount !== null) total += amount;
  }
  return { total_cost: Math.round(total * 1e9) / 1e9, currency: [...currencies][0]!, entries };
}
