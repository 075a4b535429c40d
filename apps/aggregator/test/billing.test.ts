import { describe, expect, it } from 'vitest';
import { buildBilling } from '../src/billing';

const entry = (extra: Record<string, unknown>) => ({
  policy_type: 'per_request_fee',
  kind: 'payment',
  ...extra,
});

describe('buildBilling', () => {
  it('is null when no policy entries came back', () => {
    expect(
      buildBilling([
        { path: 'a/x', policyMetadata: null },
        { path: 'm', policyMetadata: { entries: [] } },
      ]),
    ).toBeNull();
  });

  it('copies entries with their source, data sources first, and totals one currency', () => {
    const billing = buildBilling([
      {
        path: 'a/x',
        policyMetadata: {
          outcome: 'success',
          entries: [entry({ status: 'charged', amount: 0.002, currency: 'USD' })],
        },
      },
      { path: 'b/y', policyMetadata: { entries: [entry({ status: 'free', amount: 5, currency: 'EUR' })] } },
      {
        path: 'bob/model',
        policyMetadata: { entries: [entry({ status: 'charged', amount: '0.01', currency: 'USD' })] },
      },
    ]);
    expect(billing).toEqual({
      total_cost: 0.012,
      currency: 'USD',
      entries: [
        entry({ status: 'charged', amount: 0.002, currency: 'USD', source: 'a/x' }),
        entry({ status: 'free', amount: 5, currency: 'EUR', source: 'b/y' }),
        entry({ status: 'charged', amount: '0.01', currency: 'USD', source: 'bob/model' }),
      ],
    });
  });

  it('skips non-numeric amounts and reports no total for mixed currencies', () => {
    const one = buildBilling([
      {
        path: 'a',
        policyMetadata: {
          entries: [
            entry({ status: 'charged', amount: 'n/a', currency: 'USD' }),
            entry({ status: 'charged', amount: 1, currency: '' }),
          ],
        },
      },
    ]);
    expect(one).toMatchObject({ total_cost: 1, currency: 'USD' });
    const mixed = buildBilling([
      {
        path: 'a',
        policyMetadata: {
          entries: [
            entry({ status: 'charged', amount: 1, currency: 'USD' }),
            entry({ status: 'charged', amount: 1, currency: 'EUR' }),
          ],
        },
      },
    ]);
    expect(mixed).toMatchObject({ total_cost: null, currency: null });
    const none = buildBilling([
      { path: 'a', policyMetadata: { entries: [entry({ status: 'refunded', amount: 1, currency: 'USD' })] } },
    ]);
    expect(none).toMatchObject({ total_cost: null, currency: null });
  });
});
