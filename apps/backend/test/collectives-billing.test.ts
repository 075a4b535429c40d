import { describe, expect, it } from 'vitest';
import { classify, parseMetered, parsePrepaid, parseUnit } from '../src/collectives/billing';

// The billing classifier (collectives.md §8) against upstream's test_collective_billing.py (TB), with §14 D1
// (legacy metered names still count as `mpp`) and C22 (booleans are not prices).

const urls = { payment_url: 'https://pay.example/p', credits_url: 'https://pay.example/c' };

describe('billing classifier', () => {
  it('parses units, defaulting to request (TB:45, TB:52)', () => {
    expect(parseUnit({ unit_type: 'document' })).toBe('document');
    expect(parseUnit({ unitType: 'document' })).toBe('document');
    expect(parseUnit({ unit_type: 'request' })).toBe('request');
    expect(parseUnit({})).toBe('request');
    expect(parseUnit({ unit_type: 'token' })).toBe('request');
  });

  it('parses prepaid configs (TB:62-117)', () => {
    expect(
      parsePrepaid('xendit', {
        ...urls,
        currency: 'IDR',
        price: 2500,
        unit_type: 'document',
        bundles: [{ name: 'Starter', amount: 50000 }],
      }),
    ).toMatchObject({
      currency: 'IDR',
      price_per_unit: 2500,
      unit: 'document',
      payment_url: urls.payment_url,
      credits_url: urls.credits_url,
      bundles: [{ name: 'Starter', amount: 50000 }],
    });
    const camel = parsePrepaid('xendit', { paymentUrl: urls.payment_url, creditsUrl: urls.credits_url });
    expect(camel).toMatchObject({
      currency: 'IDR',
      payment_url: urls.payment_url,
      credits_url: urls.credits_url,
    });
    expect(parsePrepaid('xendit', { ...urls, price_per_request: 10 })?.price_per_unit).toBe(10);
    expect(parsePrepaid('xendit', { payment_url: urls.payment_url })).toBeNull();
    expect(parsePrepaid('xendit', { credits_url: urls.credits_url })).toBeNull();
    expect(parsePrepaid('xendit', { payment_url: 'ftp://x', credits_url: urls.credits_url })).toBeNull();
    expect(parsePrepaid('xendit', urls)?.invoices_url).toBeNull();
    expect(parsePrepaid('xendit', { ...urls, invoices_url: 'https://pay.example/i' })?.invoices_url).toBe(
      'https://pay.example/i',
    );
    expect(parsePrepaid('xendit', { ...urls, invoices_url: 'javascript:x' })?.invoices_url).toBeNull();
  });

  it('parses metered prices from every spelling, USD by default (TB:125, TB:139)', () => {
    expect(parseMetered({ price: 1 })).toMatchObject({ price_per_unit: 1, currency: 'USD' });
    expect(parseMetered({ price_per_request: 2 }).price_per_unit).toBe(2);
    expect(parseMetered({ price_per_call: 3 }).price_per_unit).toBe(3);
    expect(parseMetered({ pricePerCall: 4 }).price_per_unit).toBe(4);
    expect(parseMetered({})).toMatchObject({ currency: 'USD', price_per_unit: null, unit: 'request' });
    expect(parseMetered({ price: true }).price_per_unit).toBeNull();
    expect(parseMetered({ price: '5' }).price_per_unit).toBeNull();
  });

  it('classifies: prepaid wins, then mpp, else free; disabled ignored (TB:151-209)', () => {
    expect(
      classify([
        { type: 'mpp', config: { price: 3 } },
        { type: 'xendit', config: { ...urls, currency: 'IDR' } },
      ]),
    ).toMatchObject({ kind: 'prepaid', provider: 'xendit', currency: 'IDR' });
    expect(classify([{ type: 'mpp', config: { price: 3.0 } }])).toMatchObject({
      kind: 'mpp',
      price_per_unit: 3,
      currency: 'USD',
    });
    expect(classify([])).toMatchObject({ kind: 'free', price_per_unit: null });
    expect(classify([{ type: 'xendit', enabled: false, config: urls }]).kind).toBe('free');
    expect(
      classify([
        { type: 'stripe', config: {} },
        { type: 'mpp', config: { price: 1.25 } },
      ]),
    ).toMatchObject({ kind: 'mpp', price_per_unit: 1.25 });
    expect(classify([{ type: 'Stripe', config: urls }])).toMatchObject({
      kind: 'prepaid',
      provider: 'stripe',
    });
  });

  it('counts legacy metered names as mpp (§14 D1 replaces TB:172)', () => {
    for (const type of ['mpp_accounting', 'accounting', 'transaction']) {
      expect(classify([{ type, config: { price: 1 } }]).kind).toBe('mpp');
    }
  });

  it('descends composite policies; a disabled wrapper hides its subtree (TB:232-275)', () => {
    expect(
      classify([{ type: 'all_of', config: { policies: [{ type: 'mpp', config: { price: 0.3 } }] } }]),
    ).toMatchObject({ kind: 'mpp', price_per_unit: 0.3, currency: 'USD' });
    expect(
      classify([{ type: 'access_group', config: { policies: [{ type: 'xendit', config: urls }] } }]).kind,
    ).toBe('prepaid');
    expect(
      classify([
        {
          type: 'all_of',
          config: {
            policies: [
              { type: 'any_of', config: { policies: [{ type: 'mpp', config: { currency: 'EUR' } }] } },
            ],
          },
        },
      ]),
    ).toMatchObject({ kind: 'mpp', currency: 'EUR' });
    expect(
      classify([
        { type: 'all_of', enabled: false, config: { policies: [{ type: 'mpp', config: { price: 1 } }] } },
      ]).kind,
    ).toBe('free');
  });
});
