import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { AuthModalProvider } from './auth/AuthModalContext';
import { ChatSelectionProvider } from './chat/ChatSelection';
import { ToastProvider } from './components/Toasts';
import { ApiProvider } from './lib/ApiContext';
import { createApi } from './lib/api';
import { installErrorReporter } from './lib/errorReporter';
import { createQueryClient } from './lib/queryClient';
import { applyTheme } from './lib/theme';
import { createRouter } from './router';
import { SessionProvider } from './session/SessionProvider';
import './styles/app.css';

applyTheme();
const api = createApi();
installErrorReporter(api.hub);
const queryClient = createQueryClient();
const router = createRouter();

const root = document.getElementById('root');
if (!root) throw new Error('Missing #root element');

createRoot(root).render(
  <StrictMode>
    <ApiProvider api={api}>
      <QueryClientProvider client={queryClient}>
        <ToastProvider>
          <AuthModalProvider>
            <SessionProvider>
              <ChatSelectionProvider>
                <RouterProvider router={router} />
              </ChatSelectionProvider>
            </SessionProvider>
          </AuthModalProvider>
        </ToastProvider>
      </QueryClientProvider>
    </ApiProvider>
  </StrictMode>,
);
