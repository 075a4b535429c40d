import { isApiError, isOwnerView } from '@syfthub/client';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useAuthModal } from '../auth/AuthModalContext';
import { useChatSelection } from '../chat/ChatSelection';
import { toChoice } from '../chat/resolve';
import { EndpointCollectivesCard } from '../collectives/EndpointCollectivesCard';
import { type TabItem, Tabs, tabPanelProps } from '../components/Tabs';
import {
  Badge,
  CodeBlock,
  EmptyState,
  ErrorState,
  HealthDot,
  isTunnelled,
  PageSpinner,
  RelativeTime,
  TunnelBadge,
  TypeBadge,
} from '../components/ui';
import { publicOrigin } from '../config';
import { ConnectionsCard, PoliciesCard } from '../endpoints/DetailCards';
import { StarButton } from '../endpoints/StarButton';
import { UptimeView } from '../endpoints/UptimeView';
import { shortDate } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import { useEndpoint, useTunnelStatus } from '../lib/queries';
import { aggregatorCurlSnippet, endpointCurlSnippets, sdkChatSnippets } from '../lib/snippets';
import { LazyMarkdown } from '../markdown/LazyMarkdown';
import { useSession } from '../session/SessionProvider';
import { NotFoundContent } from './NotFoundPage';

type Tab = 'overview' | 'uptime' | 'api';
const TABS: TabItem<Tab>[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'uptime', label: 'Uptime' },
  { id: 'api', label: 'API' },
];

export default function EndpointPage() {
  const { owner = '', slug = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab = (TABS.some((t) => t.id === params.get('tab')) ? params.get('tab') : 'overview') as Tab;
  const query = useEndpoint(owner, slug);
  const { user, status } = useSession();
  const authModal = useAuthModal();
  const { setModel, addSource } = useChatSelection();
  const navigate = useNavigate();
  const tunnelStatus = useTunnelStatus();
  useDocumentTitle(query.data?.name ?? `${owner}/${slug}`);

  if (status === 'loading' || query.isPending) return <PageSpinner />;
  if (query.isError) {
    if (isApiError(query.error) && query.error.status === 404) return <NotFoundContent what="endpoint" />;
    if (isApiError(query.error) && query.error.status === 401) {
      return (
        <div className="page">
          <EmptyState title="Sign in to view this endpoint" icon="🔒">
            <p>This endpoint is visible to signed-in SyftHub users only.</p>
            <button
              type="button"
              className="button button-primary"
              onClick={() => authModal.open({ kind: 'login' }, `/${owner}/${slug}`)}
            >
              Sign in
            </button>
          </EmptyState>
        </div>
      );
    }
    return (
      <div className="page">
        <ErrorState error={query.error} retry={() => query.refetch()} />
      </div>
    );
  }

  const endpoint = query.data;
  const path = `${endpoint.owner_username}/${endpoint.slug}`;
  const owned = isOwnerView(endpoint)
    ? endpoint.user_id === user?.id || user?.username === endpoint.owner_username
    : false;
  const isModel =
    endpoint.type === 'model' || endpoint.type === 'agent' || endpoint.type === 'model_data_source';
  const isSource = endpoint.type === 'data_source' || endpoint.type === 'model_data_source';
  const contributors = isOwnerView(endpoint) ? endpoint.contributors.length : endpoint.contributors_count;
  const origin = publicOrigin();

  function addToChat() {
    const choice = toChoice(endpoint);
    if (isSource) addSource(choice);
    if (isModel && !isSource) setModel(choice);
    navigate('/chat');
  }

  const tunnelled = isTunnelled(endpoint);
  const tunnelOff = tunnelled && tunnelStatus.data?.enabled === false;
  const connectionUrl =
    endpoint.connect.find((c) => c.enabled && typeof c.config.url === 'string')?.config.url ??
    '<satellite-url>';

  return (
    <div className="page endpoint-page">
      <header className="endpoint-header">
        <div className="endpoint-title-row">
          <h1>{endpoint.name}</h1>
          <TypeBadge type={endpoint.type} />
          {isOwnerView(endpoint) && endpoint.visibility !== 'public' && (
            <Badge tone="warning">{endpoint.visibility === 'private' ? '🔒 Private' : '👥 Internal'}</Badge>
          )}
          {tunnelled && <TunnelBadge tunnelOff={tunnelOff} />}
          {endpoint.archived && <Badge tone="neutral">Archived</Badge>}
          {isOwnerView(endpoint) && !endpoint.is_active && <Badge tone="danger">Inactive</Badge>}
        </div>
        <p className="endpoint-path">
          <Link to={`/${endpoint.owner_username}`}>@{endpoint.owner_username}</Link>
          <span className="muted"> / {endpoint.slug}</span>
          <span className="muted"> · v{endpoint.version}</span>
        </p>
        {endpoint.description && <p className="endpoint-description">{endpoint.description}</p>}
        {tunnelled && (
          <p className="endpoint-tunnel small muted">
            {tunnelOff
              ? 'Its node connects through a hub tunnel, but this hub runs none: chats cannot reach it here.'
              : "Reached through the hub's tunnel: its node runs behind NAT and dials out to the hub; queries and answers are end-to-end encrypted."}
          </p>
        )}
        <div className="endpoint-meta small">
          <HealthDot
            status={endpoint.health_status}
            checkedAt={endpoint.health_checked_at}
            ttlSeconds={isOwnerView(endpoint) ? endpoint.health_ttl_seconds : null}
          />
          {endpoint.health_checked_at && (
            <span className="muted">
              <RelativeTime iso={endpoint.health_checked_at} prefix="last report " />
            </span>
          )}
        </div>
        <div className="endpoint-actions">
          <StarButton endpoint={endpoint} />
          {endpoint.type === 'agent' && (
            <Link to={`/agent/${endpoint.owner_username}/${endpoint.slug}`} className="button button-primary">
              Start a session
            </Link>
          )}
          {(isModel || isSource) && (
            <button type="button" className="button button-primary" onClick={addToChat}>
              Use in chat
            </button>
          )}
          {owned && (
            <Link to={`/my/endpoints/${endpoint.slug}`} className="button">
              Edit
            </Link>
          )}
        </div>
      </header>

      <Tabs
        items={TABS}
        selected={tab}
        onSelect={(id) => setParams(id === 'overview' ? {} : { tab: id }, { replace: true })}
        label="Endpoint sections"
        idPrefix="endpoint"
      />
      <div {...tabPanelProps('endpoint', tab)} className="tab-panel">
        {tab === 'overview' && (
          <div className="endpoint-overview">
            <section className="readme card" aria-label="README">
              {endpoint.readme.trim() ? (
                <LazyMarkdown shiftHeadings>{endpoint.readme}</LazyMarkdown>
              ) : (
                <p className="muted">The owner has not written a README yet.</p>
              )}
            </section>
            <aside className="endpoint-aside">
              <section className="card" aria-labelledby="about-title">
                <h2 id="about-title" className="card-title">
                  About
                </h2>
                {endpoint.tags.length > 0 && (
                  <ul className="tags" aria-label="Tags">
                    {endpoint.tags.map((tag) => (
                      <li key={tag} className="tag">
                        {tag}
                      </li>
                    ))}
                  </ul>
                )}
                <dl className="facts">
                  <dt>Created</dt>
                  <dd>
                    <time dateTime={endpoint.created_at}>{shortDate(endpoint.created_at)}</time>
                  </dd>
                  <dt>Updated</dt>
                  <dd>
                    <RelativeTime iso={endpoint.updated_at} />
                  </dd>
                  <dt>Contributors</dt>
                  <dd>{contributors}</dd>
                </dl>
              </section>
              <ConnectionsCard connections={endpoint.connect} />
              <EndpointCollectivesCard
                owner={endpoint.owner_username}
                slug={endpoint.slug}
                endpointId={endpoint.id}
                canLeave={isOwnerView(endpoint) && (endpoint.user_id === user?.id || user?.role === 'admin')}
              />
              <PoliciesCard policies={endpoint.policies} />
            </aside>
          </div>
        )}
        {tab === 'uptime' && <UptimeView owner={endpoint.owner_username} slug={endpoint.slug} />}
        {tab === 'api' && (
          <div className="snippets">
            <p className="muted">
              Replace <code>$SYFTHUB_API_TOKEN</code> with a token from{' '}
              <Link to="/settings/tokens">Settings → API tokens</Link>.
            </p>
            <h2>SDKs</h2>
            {sdkChatSnippets(origin, isModel ? path : 'owner/model', isSource ? [path] : []).map(
              (snippet) => (
                <CodeBlock key={snippet.id} code={snippet.code} label={snippet.label} />
              ),
            )}
            <h2>HTTP</h2>
            {endpointCurlSnippets(origin, endpoint.owner_username, endpoint.slug, isModel && !isSource).map(
              (snippet) => (
                <CodeBlock key={snippet.id} code={snippet.code} label={snippet.label} />
              ),
            )}
            {(() => {
              const me = { url: connectionUrl, owner: endpoint.owner_username, slug: endpoint.slug };
              const snippet = isModel
                ? aggregatorCurlSnippet(origin, me, [])
                : aggregatorCurlSnippet(
                    origin,
                    { url: '<model-satellite-url>', owner: '<model-owner>', slug: '<model-slug>' },
                    [me],
                  );
              return <CodeBlock code={snippet.code} label={snippet.label} />;
            })()}
          </div>
        )}
      </div>
    </div>
  );
}
