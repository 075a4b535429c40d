export type {
  BillingSummary,
  Collective,
  CollectiveCreate,
  CollectiveMember,
  CollectiveUpdate,
  MemberBilling,
  MemberStatus,
  SharedEndpoint,
  SharedEndpointCreate,
  SharedEndpointMember,
  SharedEndpointUpdate,
} from '@syfthub/contracts';
export {
  type AggregatorClient,
  type AggregatorClientOptions,
  createAggregatorClient,
  type StreamOptions,
} from './aggregator';
export {
  type CitationSpan,
  codePointToUtf16Offsets,
  mergeCitationSpans,
  type ParsedCitations,
  parseAnnotatedResponse,
  streamingDisplayText,
  stripCitationMarkers,
} from './citations';
export {
  CollectiveResolutionError,
  type CollectivesResource,
  createCollectivesResource,
  DEFAULT_MAX_DATA_SOURCES,
  type ExpandedSource,
  expandDataSources,
  parseCollectivePath,
  TooManyDataSourcesError,
} from './collectives';
export {
  ApiError,
  apiErrorFromResponse,
  type ErrorDetail,
  type FieldError,
  isAbortError,
  isApiError,
  type StructuredDetail,
  toFieldErrors,
  type ValidationItem,
} from './errors';
export { type AuthMode, buildUrl, type HttpOptions, type Query, type RequestOptions } from './http';
export { type CsvExport, createHubClient, type HubClient, type HubClientOptions, type Page } from './hub';
export { newCorrelationId } from './ids';
export { expiresSoon, readJwtExpiry } from './jwt';
export {
  createRefreshCoordinator,
  REFRESH_LOCK_NAME,
  type RefreshCoordinator,
  type RefreshCoordinatorOptions,
  type RunExclusive,
  type TokenStore,
} from './refresh';
export { parseSse, type SseFrame, SseParser, toChatEvent } from './sse';
export * from './types';
