import type { BillingSummary, MemberBilling } from '@syfthub/contracts';
import type { StoredPolicy } from '@syfthub/db';
import { policiesVisibleTo } from '../endpoints/policies';
import { canManage, type Viewer } from '../endpoints/visibility';
import type { VisibleMember } from './members-query';

// Billing summaries (collectives.md §8): how each member of a question is paid for, and what one question across
// them costs per currency. The hub reports; it never charges.

type Config = Record<string, unknown>;

const PREPAID_TYPES = new Set(['xendit', 'stripe']);
// §14 D1: the legacy spellings still count as metered, since we never rewrote stored policies.
const MPP_TYPES = new Set(['mpp', 'mpp_accounting', 'accounting', 'transaction']);

/** A leaf policy as the classifier sees it (composites are flattened away). */
interface Leaf {
  type: string;
  config: Config;
}

function isRecord(value: unknown): value is Config {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A finite JSON number; booleans and strings are never prices (C22). */
function numberAt(config: Config, ...keys: string[]): number | null {
  for (const key of keys) {
    const value = config[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}

function stringAt(config: Config, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = config[key];
    if (typeof value === 'string') return value;
  }
  return null;
}

function httpUrlAt(config: Config, ...keys: string[]): string | null {
  const value = stringAt(config, ...keys);
  return value !== null && /^https?:\/\//i.test(value) ? value : null;
}

/** `unit_type` / `unitType`: `request` or `document`, anything else `request`. */
export function parseUnit(config: Config): 'request' | 'document' {
  return stringAt(config, 'unit_type', 'unitType') === 'document' ? 'document' : 'request';
}

/** The enabled leaves, depth first; a composite's children are in `config.policies`, a disabled one hides them. */
export function enabledLeaves(policies: readonly unknown[]): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (list: readonly unknown[]) => {
    for (const policy of list) {
      if (!isRecord(policy) || policy.enabled === false) continue;
      const config = isRecord(policy.config) ? policy.config : {};
      if (Array.isArray(config.policies) && config.policies.length > 0) {
        walk(config.policies);
        continue;
      }
      if (typeof policy.type === 'string') leaves.push({ type: policy.type.toLowerCase(), config });
    }
  };
  walk(policies);
  return leaves;
}

/** A prepaid configuration, or null when it lacks an http(s) payment and credits URL. */
export function parsePrepaid(provider: string, config: Config): MemberBilling | null {
  const paymentUrl = httpUrlAt(config, 'payment_url', 'paymentUrl');
  const creditsUrl = httpUrlAt(config, 'credits_url', 'creditsUrl');
  if (!paymentUrl || !creditsUrl) return null;
  const bundles = Array.isArray(config.bundles)
    ? config.bundles.flatMap((bundle) =>
        isRecord(bundle) &&
        typeof bundle.name === 'string' &&
        typeof bundle.amount === 'number' &&
        Number.isFinite(bundle.amount)
          ? [{ name: bundle.name, amount: bundle.amount }]
          : [],
      )
    : [];
  return {
    kind: 'prepaid',
    provider,
    currency: stringAt(config, 'currency') ?? 'IDR',
    price_per_unit: numberAt(config, 'price', 'price_per_request', 'pricePerRequest'),
    unit: parseUnit(config),
    payment_url: paymentUrl,
    credits_url: creditsUrl,
    invoices_url: httpUrlAt(config, 'invoices_url', 'invoicesUrl'),
    bundles,
  };
}

/** A metered (`mpp`) configuration: currency default USD, price from the first of its spellings. */
export function parseMetered(config: Config): MemberBilling {
  return {
    ...FREE,
    kind: 'mpp',
    currency: stringAt(config, 'currency') ?? 'USD',
    price_per_unit: numberAt(
      config,
      'price',
      'price_per_request',
      'pricePerRequest',
      'price_per_call',
      'pricePerCall',
    ),
    unit: parseUnit(config),
  };
}

const FREE: MemberBilling = {
  kind: 'free',
  provider: null,
  currency: null,
  price_per_unit: null,
  unit: 'request',
  payment_url: null,
  credits_url: null,
  invoices_url: null,
  bundles: [],
};

/** Prepaid (first usable xendit/stripe leaf) wins over metered (first mpp leaf), else free. */
export function classify(policies: readonly unknown[]): MemberBilling {
  const leaves = enabledLeaves(policies);
  for (const leaf of leaves) {
    if (!PREPAID_TYPES.has(leaf.type)) continue;
    const prepaid = parsePrepaid(leaf.type, leaf.config);
    if (prepaid) return prepaid;
  }
  const metered = leaves.find((leaf) => MPP_TYPES.has(leaf.type));
  return metered ? parseMetered(metered.config) : { ...FREE };
}

/** Sums without binary-float noise such as 0.30000000000000004. */
function roundSum(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

/** The summary over members the caller may see, each classified on the policies the caller may see (§3.5). */
export function billingSummary(members: readonly VisibleMember[], viewer: Viewer): BillingSummary {
  const totals = new Map<string, number>();
  const counts = { free: 0, prepaid: 0, mpp: 0 };
  const rows = members.map((member) => {
    const policies = policiesVisibleTo(
      member.policies as StoredPolicy[],
      viewer?.email ?? null,
      canManage({ userId: member.userId }, viewer),
    );
    const billing = classify(policies);
    counts[billing.kind] += 1;
    if (billing.currency !== null && billing.price_per_unit !== null) {
      totals.set(billing.currency, (totals.get(billing.currency) ?? 0) + billing.price_per_unit);
    }
    return {
      endpoint_id: member.endpointId,
      endpoint_name: member.name,
      endpoint_slug: member.slug,
      endpoint_owner_username: member.ownerUsername,
      endpoint_owner_full_name: member.ownerFullName,
      endpoint_type: member.type,
      billing,
    };
  });
  return {
    members: rows,
    estimated_price: [...totals].map(([currency, amount]) => ({ currency, amount: roundSum(amount) })),
    free_count: counts.free,
    prepaid_count: counts.prepaid,
    mpp_count: counts.mpp,
  };
}
