import { isApiError, isOwnerView } from '@syfthub/client';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorState, PageSpinner } from '../components/ui';
import { EndpointForm } from '../endpoints/EndpointForm';
import { draftFrom, emptyDraft } from '../endpoints/formModel';
import { useHub } from '../lib/ApiContext';
import { useDocumentTitle } from '../lib/hooks';
import { useSession } from '../session/SessionProvider';
import { NotFoundContent } from './NotFoundPage';

export default function EndpointFormPage() {
  const { slug } = useParams();
  const creating = slug === undefined;
  const hub = useHub();
  const { user } = useSession();
  useDocumentTitle(creating ? 'Publish endpoint' : `Edit ${slug}`);
  const existing = useQuery({
    queryKey: ['endpoint', (user?.username ?? '').toLowerCase(), (slug ?? '').toLowerCase(), 'edit'],
    queryFn: () => hub.endpoints.byPath(user?.username ?? '', slug ?? ''),
    enabled: !creating && !!user,
    staleTime: 0,
  });
  const original = useMemo(() => {
    if (creating) return emptyDraft();
    return existing.data && isOwnerView(existing.data) ? draftFrom(existing.data) : null;
  }, [creating, existing.data]);

  return (
    <div className="page form-page">
      <header className="page-header">
        <p className="breadcrumb small">
          <Link to="/my/endpoints">My endpoints</Link> /
        </p>
        <h1>{creating ? 'Publish an endpoint' : `Edit ${existing.data?.name ?? slug}`}</h1>
      </header>
      {creating ? (
        <EndpointForm original={emptyDraft()} creating />
      ) : existing.isPending ? (
        <PageSpinner />
      ) : existing.isError ? (
        isApiError(existing.error) && existing.error.status === 404 ? (
          <NotFoundContent what="endpoint" />
        ) : (
          <ErrorState error={existing.error} retry={() => existing.refetch()} />
        )
      ) : original && existing.data && isOwnerView(existing.data) ? (
        <EndpointForm
          key={existing.data.updated_at}
          original={original}
          creating={false}
          endpoint={existing.data}
        />
      ) : (
        <NotFoundContent what="endpoint" />
      )}
    </div>
  );
}
