import { Link } from 'react-router';
import { useDocumentTitle } from '../lib/hooks';

export function NotFoundContent({ what = 'page' }: { what?: string }) {
  useDocumentTitle('Not found');
  return (
    <div className="page not-found">
      <p className="not-found-code" aria-hidden="true">
        404
      </p>
      <h1>This {what} could not be found</h1>
      <p className="muted">It may have been moved, made private, or never existed.</p>
      <div className="row">
        <Link to="/" className="button button-primary">
          Go home
        </Link>
        <Link to="/browse" className="button">
          Browse endpoints
        </Link>
      </div>
    </div>
  );
}

export default function NotFoundPage() {
  return <NotFoundContent />;
}
