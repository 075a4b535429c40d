import { isApiError } from '@syfthub/client';
import { useState } from 'react';
import { useParams } from 'react-router';
import { EndpointCard, EndpointCardSkeleton } from '../components/EndpointCard';
import { Pagination } from '../components/Pagination';
import { Avatar, EmptyState, ErrorState, PageSpinner } from '../components/ui';
import { shortDate } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import { PAGE_SIZE, useOwnerEndpoints, useProfile } from '../lib/queries';
import { LazyMarkdown } from '../markdown/LazyMarkdown';
import { NotFoundContent } from './NotFoundPage';

function safeDomain(domain: string | null): string | null {
  return domain && /^https?:\/\//i.test(domain) ? domain : null;
}

export default function ProfilePage() {
  const { username = '' } = useParams();
  const [page, setPage] = useState(1);
  const profile = useProfile(username);
  const endpoints = useOwnerEndpoints(username, page);
  useDocumentTitle(profile.data ? `${profile.data.full_name || profile.data.username}` : `@${username}`);

  if (profile.isPending) return <PageSpinner />;
  if (profile.isError) {
    if (isApiError(profile.error) && profile.error.status === 404) return <NotFoundContent what="user" />;
    return (
      <div className="page">
        <ErrorState error={profile.error} retry={() => profile.refetch()} />
      </div>
    );
  }
  const user = profile.data;
  const list = endpoints.data ?? [];
  const stars = list.reduce((sum, endpoint) => sum + endpoint.stars_count, 0);
  const domain = safeDomain(user.domain);

  return (
    <div className="page profile-page">
      <header className="profile-header card">
        <Avatar url={user.avatar_url} name={user.full_name || user.username} size={88} />
        <div className="profile-info">
          <h1>{user.full_name || user.username}</h1>
          <p className="muted">@{user.username}</p>
          <ul className="profile-facts small">
            {domain && (
              <li>
                <a href={domain} rel="nofollow noopener" target="_blank">
                  {domain}
                </a>
              </li>
            )}
            {user.email && (
              <li>
                <a href={`mailto:${user.email}`}>{user.email}</a>
              </li>
            )}
            <li>Joined {shortDate(user.created_at)}</li>
          </ul>
          <dl className="stats">
            <div>
              <dt>Endpoints</dt>
              <dd>
                {list.length}
                {endpoints.data && list.length >= PAGE_SIZE ? '+' : ''}
              </dd>
            </div>
            <div>
              <dt>Stars</dt>
              <dd>{stars}</dd>
            </div>
          </dl>
        </div>
      </header>
      {user.bio && (
        <section className="card bio" aria-label="Bio">
          <LazyMarkdown shiftHeadings>{user.bio}</LazyMarkdown>
        </section>
      )}
      <section className="section" aria-labelledby="profile-endpoints">
        <h2 id="profile-endpoints">Endpoints</h2>
        {endpoints.isPending ? (
          <div className="endpoint-grid">
            {[0, 1, 2].map((key) => (
              <EndpointCardSkeleton key={key} />
            ))}
          </div>
        ) : endpoints.isError ? (
          <ErrorState error={endpoints.error} retry={() => endpoints.refetch()} />
        ) : list.length === 0 ? (
          <EmptyState title="No public endpoints yet" />
        ) : (
          <div className="endpoint-grid">
            {list.map((endpoint) => (
              <EndpointCard key={endpoint.id} endpoint={endpoint} showAddToChat />
            ))}
          </div>
        )}
        <Pagination page={page} hasNext={list.length >= PAGE_SIZE} onPage={setPage} label="Endpoint pages" />
      </section>
    </div>
  );
}
