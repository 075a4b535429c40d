/**
 * Wire shapes of the hub (`backend-api.md`) and the aggregator (`aggregator.md`), exactly as they travel:
 * snake_case keys, integer ids, RFC 3339 timestamps kept as strings.
 */

export type Timestamp = string;

export type Role = 'admin' | 'user' | 'guest';
export type AuthProvider = 'local' | 'google';
export type EndpointType = 'model' | 'data_source' | 'model_data_source' | 'agent';
export type Visibility = 'public' | 'private' | 'internal';
export type HealthStatus = 'healthy' | 'unhealthy';
export type TokenScope = 'read' | 'write' | 'full';

export interface User {
  id: number;
  username: string;
  email: string;
  full_name: string;
  avatar_url: string | null;
  role: Role;
  is_active: boolean;
  is_email_verified: boolean;
  /** When the current address was proven by a code (null: never; absent from hubs older than this field). */
  email_verified_at?: Timestamp | null;
  auth_provider: AuthProvider;
  created_at: Timestamp;
  updated_at: Timestamp;
  wallet_address: null;
  domain: string | null;
  aggregator_url: string | null;
  last_login_at: Timestamp | null;
  encryption_public_key: null;
  bio: string | null;
  is_email_public: boolean;
}

export interface PublicUserProfile {
  username: string;
  full_name: string;
  avatar_url: string | null;
  role: Role;
  bio: string | null;
  domain: string | null;
  email: string | null;
  is_email_public: boolean;
  created_at: Timestamp;
}

export type JsonObject = { [key: string]: unknown };

export interface Policy {
  type: string;
  version: string;
  enabled: boolean;
  description: string;
  config: JsonObject;
}

export interface ConnectionConfig extends JsonObject {
  url?: string;
  path?: string;
  tenant_name?: string | null;
}

export interface Connection {
  type: string;
  enabled: boolean;
  description: string;
  config: ConnectionConfig;
}

/** Fields shared by the owner view (`Endpoint`) and everyone else's view (`EndpointPublic`). */
interface EndpointCommon {
  id: number;
  name: string;
  slug: string;
  description: string;
  type: EndpointType;
  owner_username: string;
  version: string;
  readme: string;
  tags: string[];
  stars_count: number;
  policies: Policy[];
  connect: Connection[];
  created_at: Timestamp;
  updated_at: Timestamp;
  health_status: HealthStatus | null;
  health_checked_at: Timestamp | null;
  archived: boolean;
}

export interface Endpoint extends EndpointCommon {
  user_id: number;
  visibility: Visibility;
  is_active: boolean;
  contributors: number[];
  health_ttl_seconds: number | null;
}

export interface EndpointPublic extends EndpointCommon {
  contributors_count: number;
}

/** What `by-path` returns: the owner view for owners and admins, the public view for everyone else. */
export type EndpointView = Endpoint | EndpointPublic;

export function isOwnerView(endpoint: EndpointView): endpoint is Endpoint {
  return 'user_id' in endpoint;
}

export interface PolicyInput {
  type: string;
  version?: string;
  enabled?: boolean;
  description?: string;
  config?: JsonObject;
}

export interface ConnectionInput {
  type: string;
  enabled?: boolean;
  description?: string;
  config?: ConnectionConfig;
}

export interface EndpointCreate {
  name: string;
  type: EndpointType;
  slug?: string;
  description?: string;
  visibility?: Visibility;
  archived?: boolean;
  version?: string;
  readme?: string;
  tags?: string[];
  policies?: PolicyInput[];
  connect?: ConnectionInput[];
  contributors?: number[];
}

export type EndpointUpdate = Partial<Omit<EndpointCreate, 'type' | 'slug'>>;

export interface GroupedEndpoints {
  groups: { owner_username: string; endpoints: EndpointPublic[]; total_count: number; has_more: boolean }[];
}

export interface OwnersListing {
  owners: { username: string; endpoint_count: number; model_count: number; data_source_count: number }[];
  total_count: number;
}

export interface SearchResult extends EndpointPublic {
  relevance_score: number;
}

export interface SearchResponse {
  results: SearchResult[];
  total: number;
  query: string;
}

export interface UptimeBucket {
  bucket_start: Timestamp;
  samples: number;
  healthy_samples: number;
  uptime_pct: number;
}

export interface UptimeResponse {
  endpoint_id: number;
  owner_username: string;
  slug: string;
  bucket_seconds: number;
  window_hours: number;
  buckets: UptimeBucket[];
}

export interface AuthConfig {
  require_email_verification: boolean;
  smtp_configured: boolean;
  password_reset_enabled: boolean;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
}

export interface AuthResponse extends TokenPair {
  user: User;
}

export interface RegisterRequest {
  username: string;
  email: string;
  full_name: string;
  password: string;
}

export interface RegisterResponse {
  user: User;
  access_token: string | null;
  refresh_token: string | null;
  token_type: 'bearer';
  requires_email_verification: boolean;
}

export interface MessageResponse {
  message: string;
}

export interface ApiToken {
  id: number;
  name: string;
  token_prefix: string;
  scopes: TokenScope[];
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  last_used_ip: string | null;
  is_active: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CreatedApiToken extends ApiToken {
  token: string;
}

export interface ApiTokenList {
  tokens: ApiToken[];
  total: number;
}

export interface ApiTokenCreate {
  name: string;
  scopes?: TokenScope[];
  expires_at?: Timestamp | null;
}

export interface UserUpdate {
  username?: string;
  email?: string;
  full_name?: string;
  avatar_url?: string;
  domain?: string | null;
  aggregator_url?: string;
  bio?: string | null;
  is_email_public?: boolean;
  /** Required when `email` changes (sessions only; API tokens cannot change it). */
  current_password?: string;
}

export interface UserAggregator {
  id: number;
  user_id: number;
  name: string;
  url: string;
  is_default: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UserAggregatorList {
  aggregators: UserAggregator[];
  default_aggregator_id: number | null;
}

export interface UserAggregatorInput {
  name: string;
  url: string;
  is_default?: boolean;
}

export interface AdminOverview {
  headline: {
    total_users: number;
    active_users: number;
    inactive_users: number;
    email_verified: number;
    email_unverified: number;
    admins: number;
  };
  by_role: { role: Role; count: number }[];
  by_auth_provider: { provider: AuthProvider; count: number }[];
  signup_trend: { days: number; buckets: { date: string; signups: number }[] };
  last_login: {
    buckets: { bucket: string; label: string; count: number }[];
    active_24h: number;
    dormant_30d: number;
  };
}

export interface AdminUserRow {
  id: number;
  username: string;
  email: string;
  full_name: string;
  avatar_url: string | null;
  role: Role;
  is_active: boolean;
  is_email_verified: boolean;
  auth_provider: AuthProvider;
  created_at: Timestamp;
  last_login_at: Timestamp | null;
}

export interface AdminUserPage {
  items: AdminUserRow[];
  page: number;
  page_size: number;
  total: number;
  total_pages: number;
}

export type AdminUserSortKey = 'username' | 'email' | 'role' | 'created_at' | 'last_login_at';

export interface AdminUserQuery {
  page?: number;
  page_size?: number;
  sort_by?: AdminUserSortKey;
  sort_dir?: 'asc' | 'desc';
  search?: string;
  role?: Role;
  is_active?: boolean;
  is_email_verified?: boolean;
}

export interface SatelliteToken {
  target_token: string;
  expires_in: number;
}

export interface FrontendErrorReport {
  correlation_id?: string;
  timestamp?: Timestamp;
  event?: 'frontend.error.unhandled';
  message: string;
  error: { type: string; message?: string; stack_trace?: string; component_stack?: string };
  context?: { url?: string; user_agent?: string; app_state?: JsonObject };
}

// ---- Aggregator (aggregator.md §3–§4) ----

export interface EndpointRef {
  url: string;
  slug: string;
  name?: string;
  tenant_name?: string | null;
  owner_username?: string | null;
  query_override?: string | null;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  prompt: string;
  model: EndpointRef;
  data_sources?: EndpointRef[];
  endpoint_tokens?: Record<string, string>;
  top_k?: number;
  max_tokens?: number;
  temperature?: number;
  similarity_threshold?: number;
  custom_system_prompt?: string | null;
  messages?: ChatMessage[];
  retrieval_only?: boolean;
}

export type SourceStatus = 'success' | 'error' | 'timeout' | 'payment_failed' | 'access_denied';

export interface RetrievalInfo {
  path: string;
  documents_retrieved: number;
  status: SourceStatus;
  error_message: string | null;
}

export interface SourceDocument {
  slug: string;
  content: string;
}

export interface BillingEntry {
  source: string;
  policy_type?: string;
  kind?: string;
  status?: string;
  amount?: number | string;
  currency?: string;
  [key: string]: unknown;
}

export interface Billing {
  total_cost: number | null;
  currency: string | null;
  entries: BillingEntry[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatMetadata {
  retrieval_time_ms: number;
  generation_time_ms: number;
  total_time_ms: number;
}

export interface ChatResponse {
  response: string;
  sources: Record<string, SourceDocument>;
  retrieval_info: RetrievalInfo[];
  metadata: ChatMetadata;
  usage: Usage | null;
  profit_share: Record<string, number> | null;
  billing: Billing | null;
}

/** `done` omits absent keys instead of sending null (aggregator.md §4.4). */
export interface DonePayload {
  sources: Record<string, SourceDocument>;
  retrieval_info: RetrievalInfo[];
  metadata: ChatMetadata;
  usage?: Usage;
  profit_share?: Record<string, number>;
  response?: string;
  billing?: Billing;
}

export type ChatStreamEvent =
  | { type: 'retrieval_start'; sources: number }
  | { type: 'source_complete'; path: string; status: SourceStatus; documents: number }
  | { type: 'reranking_start'; documents: number }
  | { type: 'reranking_complete'; documents: number; time_ms: number }
  | { type: 'retrieval_complete'; total_documents: number; time_ms: number }
  | { type: 'generation_start'; model?: string }
  | { type: 'generation_heartbeat'; elapsed_ms: number }
  | { type: 'token'; content: string }
  | { type: 'done'; payload: DonePayload }
  | { type: 'error'; message: string; billing?: Billing };
