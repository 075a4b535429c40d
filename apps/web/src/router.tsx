import { type ReactNode, Suspense } from 'react';
import { createBrowserRouter, Navigate, useLocation } from 'react-router';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Layout } from './components/Layout';
import { PageSpinner } from './components/ui';
import { lazyPage } from './lib/lazyPage';
import { useSession } from './session/SessionProvider';

const HomePage = lazyPage(() => import('./pages/HomePage'));
const ChatPage = lazyPage(() => import('./pages/ChatPage'));
const BrowsePage = lazyPage(() => import('./pages/BrowsePage'));
const EndpointPage = lazyPage(() => import('./pages/EndpointPage'));
const ProfilePage = lazyPage(() => import('./pages/ProfilePage'));
const MyEndpointsPage = lazyPage(() => import('./pages/MyEndpointsPage'));
const EndpointFormPage = lazyPage(() => import('./pages/EndpointFormPage'));
const SettingsPage = lazyPage(() => import('./pages/SettingsPage'));
const AdminPage = lazyPage(() => import('./pages/AdminPage'));
const BuildPage = lazyPage(() => import('./pages/BuildPage'));
const AboutPage = lazyPage(() => import('./pages/AboutPage'));
const CliSetupPage = lazyPage(() => import('./pages/CliSetupPage'));
const NotFoundPage = lazyPage(() => import('./pages/NotFoundPage'));
const AgentPage = lazyPage(() => import('./pages/AgentPage'));
const CollectivesLandingPage = lazyPage(() => import('./collectives/CollectivesLandingPage'));
const CreateCollectivePage = lazyPage(() => import('./collectives/CreateCollectivePage'));
const CollectiveDetailPage = lazyPage(() => import('./collectives/CollectiveDetailPage'));
const CollectiveAdminPage = lazyPage(() => import('./collectives/CollectiveAdminPage'));
const InvitationPage = lazyPage(() => import('./collectives/InvitationPage'));

/**
 * Signed-out visitors go to `/` with the login modal open and come back after signing in (web.md §1); while the
 * session initialises, a spinner.
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useSession();
  const location = useLocation();
  if (status === 'loading') return <PageSpinner />;
  if (status === 'signed_out') {
    const next = encodeURIComponent(`${location.pathname}${location.search}`);
    return <Navigate to={`/?auth=login&next=${next}`} replace />;
  }
  return <>{children}</>;
}

export function createRouter() {
  return createBrowserRouter([
    {
      path: '/cli-setup',
      element: (
        <ErrorBoundary>
          <Suspense fallback={<PageSpinner />}>
            <CliSetupPage />
          </Suspense>
        </ErrorBoundary>
      ),
    },
    {
      path: '/',
      element: <Layout />,
      children: [
        { index: true, element: <HomePage /> },
        { path: 'chat', element: <ChatPage /> },
        { path: 'browse', element: <BrowsePage /> },
        { path: 'build', element: <BuildPage /> },
        { path: 'about', element: <AboutPage /> },
        {
          path: 'my/endpoints',
          element: (
            <RequireAuth>
              <MyEndpointsPage />
            </RequireAuth>
          ),
        },
        {
          path: 'my/endpoints/new',
          element: (
            <RequireAuth>
              <EndpointFormPage />
            </RequireAuth>
          ),
        },
        {
          path: 'my/endpoints/:slug',
          element: (
            <RequireAuth>
              <EndpointFormPage />
            </RequireAuth>
          ),
        },
        {
          path: 'settings/:tab?',
          element: (
            <RequireAuth>
              <SettingsPage />
            </RequireAuth>
          ),
        },
        {
          path: 'admin',
          element: (
            <RequireAuth>
              <AdminPage />
            </RequireAuth>
          ),
        },
        {
          path: 'agent/:owner/:slug',
          element: (
            <RequireAuth>
              <AgentPage />
            </RequireAuth>
          ),
        },
        { path: 'collectives', element: <CollectivesLandingPage /> },
        { path: 'collectives/browse', element: <Navigate to="/browse?tab=collectives" replace /> },
        {
          path: 'collectives/create',
          element: (
            <RequireAuth>
              <CreateCollectivePage />
            </RequireAuth>
          ),
        },
        {
          path: 'collectives/:slug/invitations/:endpointId',
          element: (
            <RequireAuth>
              <InvitationPage />
            </RequireAuth>
          ),
        },
        {
          path: 'c/:slug/admin',
          element: (
            <RequireAuth>
              <CollectiveAdminPage />
            </RequireAuth>
          ),
        },
        { path: 'c/:slug', element: <CollectiveDetailPage /> },
        { path: ':owner/:slug', element: <EndpointPage /> },
        { path: ':username', element: <ProfilePage /> },
        { path: '*', element: <NotFoundPage /> },
      ],
    },
  ]);
}
