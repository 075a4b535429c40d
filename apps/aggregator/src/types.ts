/** The model or a data source as the client names it (aggregator.md §3.2). */
export interface EndpointRef {
  url: string;
  slug: string;
  name: string;
  tenant_name: string | null;
  owner_username: string | null;
  query_override: string | null;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type SourceStatus = 'success' | 'error' | 'timeout' | 'payment_failed' | 'access_denied';

/** One document as returned by a data source, tagged with where it came from. */
export interface RetrievedDocument {
  path: string;
  content: string;
  /** The satellite's similarity score; null when it sent none (prints `N/A` in prompts, sorts as 0). */
  score: number | null;
  metadata: Record<string, unknown>;
  /** Position of the source in the request and of the document in its answer: the tie-breakers of §5.5. */
  sourceIndex: number;
  docIndex: number;
}

export interface SourceResult {
  path: string;
  status: SourceStatus;
  documents: RetrievedDocument[];
  errorMessage: string | null;
  latencyMs: number;
  attempts: number;
  /** The satellite's `policy_metadata`, from successes and error bodies alike (billing input). */
  policyMetadata: unknown;
}

export interface RetrievalInfo {
  path: string;
  documents_retrieved: number;
  status: SourceStatus;
  error_message: string | null;
}

/** The model's usage report, passed through as the satellite sent it. */
export type Usage = Record<string, unknown>;

export interface BillingEntry {
  source: string;
  [key: string]: unknown;
}

export interface Billing {
  total_cost: number | null;
  currency: string | null;
  entries: BillingEntry[];
}

export interface SourceEntry {
  slug: string;
  content: string;
}
