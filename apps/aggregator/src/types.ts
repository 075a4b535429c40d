import type { SourceStatus } from '@syfthub/contracts';

// The wire shapes come from @syfthub/contracts; these are the aggregator's own working types.
export type {
  Billing,
  BillingEntry,
  ChatMessage,
  EndpointRef,
  RetrievalInfo,
  SourceDocument as SourceEntry,
  SourceSelection,
  SourceStatus,
  Usage,
} from '@syfthub/contracts';

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
