import type { BillingSummary } from '@syfthub/client';

/** `10,000 IDR`: grouped thousands, at most two decimals. */
export function formatAmount(amount: number, currency: string): string {
  return `${amount.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${currency}`;
}

/** "Free", or the per-currency slices of an estimated price joined with ` + ` (collectives.md §2.7). */
export function formatEstimate(summary: Pick<BillingSummary, 'estimated_price'> | undefined): string | null {
  if (!summary) return null;
  if (summary.estimated_price.length === 0) return 'Free';
  return summary.estimated_price.map((slice) => formatAmount(slice.amount, slice.currency)).join(' + ');
}
