import { AdminOverviewSection } from '../admin/AdminOverview';
import { AdminUsersSection } from '../admin/AdminUsers';
import { EmptyState } from '../components/ui';
import { useDocumentTitle } from '../lib/hooks';
import { useSession } from '../session/SessionProvider';

export default function AdminPage() {
  useDocumentTitle('Admin');
  const { user } = useSession();
  if (user?.role !== 'admin') {
    return (
      <div className="page">
        <EmptyState title="Access denied" icon="⊘">
          The admin dashboard is only available to hub administrators.
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="page admin-page">
      <header className="page-header">
        <h1>Admin dashboard</h1>
      </header>
      <AdminOverviewSection />
      <AdminUsersSection />
    </div>
  );
}
