import { Component, type ErrorInfo, type ReactNode } from 'react';
import { reportError } from '../lib/errorReporter';

interface State {
  error: Error | null;
}

/** Catches render errors of a page, reports them, and offers a way back without reloading the whole app. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    reportError(error, info.componentStack ?? undefined);
  }

  override componentDidUpdate(previous: { resetKey?: string }): void {
    if (this.state.error && previous.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="error-state" role="alert">
        <div className="empty-icon" aria-hidden="true">
          !
        </div>
        <h1 className="empty-title">This page ran into a problem</h1>
        <p className="muted">The error has been reported. You can try again or go back to the home page.</p>
        <div className="row">
          <button type="button" className="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
          <a className="button button-primary" href="/">
            Go home
          </a>
        </div>
      </div>
    );
  }
}
