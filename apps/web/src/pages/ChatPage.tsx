import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { useAuthModal } from '../auth/AuthModalContext';
import { type EndpointChoice, useChatSelection } from '../chat/ChatSelection';
import { Composer } from '../chat/Composer';
import { AssistantMessage, UserMessage } from '../chat/Message';
import { isRunning } from '../chat/runReducer';
import { useConversation } from '../chat/useConversation';
import { useDocumentTitle } from '../lib/hooks';
import { useSession } from '../session/SessionProvider';

export interface ChatNavigationState {
  question?: string;
  model?: EndpointChoice;
  sources?: EndpointChoice[];
}

export default function ChatPage() {
  useDocumentTitle('Chat');
  const { status } = useSession();
  const authModal = useAuthModal();
  const selection = useChatSelection();
  const { turns, send, stop, retry, clear, running } = useConversation();
  const location = useLocation();
  const navigate = useNavigate();
  const scroller = useRef<HTMLDivElement>(null);
  const [pinned, setPinned] = useState(true);

  // A question handed over by the home page runs exactly once: the navigation state is consumed right away.
  const handedOver = useRef(false);
  useEffect(() => {
    const state = location.state as ChatNavigationState | null;
    if (handedOver.current || !state?.question || status === 'loading') return;
    const model = state.model ?? selection.model;
    if (!model) return;
    handedOver.current = true;
    navigate(location.pathname, { replace: true, state: null });
    send(state.question, model, state.sources ?? selection.sources);
  }, [location.state, location.pathname, navigate, send, selection.model, selection.sources, status]);

  const last = turns[turns.length - 1];
  const lastRun = last?.role === 'assistant' ? last.run : null;

  // Follows the stream while the reader is at the bottom; scrolling up releases it (web.md §6.6).
  useLayoutEffect(() => {
    if (pinned && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  });

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    setPinned(el.scrollHeight - el.scrollTop - el.clientHeight < 48);
  }

  function jumpToLatest() {
    setPinned(true);
    scroller.current?.scrollTo({ top: scroller.current.scrollHeight, behavior: 'smooth' });
  }

  const politeStatus = lastRun
    ? lastRun.phase === 'complete'
      ? 'Response complete'
      : lastRun.phase === 'stopped'
        ? 'Stopped'
        : isRunning(lastRun)
          ? lastRun.status.replace(/ \d+ s$/, '')
          : ''
    : '';
  const assertiveStatus = lastRun?.phase === 'error' ? `The answer failed. ${lastRun.error ?? ''}` : '';

  return (
    <div className="chat-page">
      <header className="chat-header">
        <h1>Chat</h1>
        <button type="button" className="button button-small" onClick={clear} disabled={turns.length === 0}>
          New chat
        </button>
      </header>
      {status === 'signed_out' && (
        <p className="alert alert-info guest-banner">
          You're chatting as a guest. Sign in to use more endpoints.{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => authModal.open({ kind: 'login' }, '/chat')}
          >
            Sign in
          </button>
        </p>
      )}
      <div className="chat-scroll" ref={scroller} onScroll={onScroll}>
        {turns.length === 0 ? (
          <div className="chat-empty">
            <h2>Ask the hub</h2>
            <p className="muted">
              Pick a model and ask a question: the hub picks the data sources for you, or choose them with
              “Add sources” or by typing <kbd>@</kbd>. Answers cite the documents they use.
            </p>
          </div>
        ) : (
          <div className="messages">
            {turns.map((turn, index) =>
              turn.role === 'user' ? (
                <UserMessage key={turn.id} turn={turn} />
              ) : (
                <AssistantMessage
                  key={turn.id}
                  turn={turn}
                  onRetry={retry}
                  isLast={index === turns.length - 1}
                />
              ),
            )}
          </div>
        )}
      </div>
      {!pinned && running && (
        <button type="button" className="button button-small jump-latest" onClick={jumpToLatest}>
          ↓ Jump to latest
        </button>
      )}
      <div className="chat-composer">
        <Composer
          variant="chat"
          label="Message"
          running={running}
          onStop={stop}
          onSubmit={(text) => {
            if (selection.model) {
              setPinned(true);
              send(text, selection.model, selection.sources);
            }
          }}
        />
      </div>
      <div className="visually-hidden" aria-live="polite" aria-atomic="true">
        {politeStatus}
      </div>
      <div className="visually-hidden" aria-live="assertive" aria-atomic="true">
        {assertiveStatus}
      </div>
    </div>
  );
}
