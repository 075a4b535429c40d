import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { agentSessionUrl } from '../src/agent/useAgentSession';
import AgentPage from '../src/pages/AgentPage';
import { baseUser, fakeBackend, json, Providers, testApi } from './helpers';

// The agent page against a scripted socket: what it sends for each user action, what it shows for each frame.

class FakeSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: Array<{ type: string; payload?: Record<string, unknown> }> = [];

  constructor(readonly url: string) {
    super();
    FakeSocket.all.push(this);
    queueMicrotask(() => {
      this.readyState = FakeSocket.OPEN;
      this.dispatchEvent(new Event('open'));
    });
  }

  send(data: string) {
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000) {
    this.serverClose(code);
  }

  /** A frame from the aggregator. */
  push(frame: Record<string, unknown>) {
    act(() => {
      this.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(frame) }));
    });
  }

  serverClose(code: number) {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    const event = new Event('close') as Event & { code: number };
    Object.defineProperty(event, 'code', { value: code });
    this.dispatchEvent(event);
  }
}

const event = (type: string, payload: unknown, sequence = 1) => ({
  type,
  session_id: 's-1',
  sequence,
  timestamp: '2026-01-01T00:00:00.000000+00:00',
  payload,
});

function renderPage() {
  const backend = fakeBackend({
    'GET /api/v1/auth/me': () => json(200, baseUser),
    'GET /api/v1/token': ({ url }) =>
      json(200, { target_token: `tok-${url.searchParams.get('aud')}`, expires_in: 60 }),
  });
  const { api } = testApi(backend.fetch, 'access');
  render(
    <Providers api={api} route="/agent/alice/research-agent">
      <Routes>
        <Route path="/agent/:owner/:slug" element={<AgentPage />} />
      </Routes>
    </Providers>,
  );
  return backend;
}

async function startSession(user: ReturnType<typeof userEvent.setup>) {
  const input = await screen.findByLabelText('Your question');
  await user.type(input, 'When does it open?{Enter}');
  await waitFor(() => expect(FakeSocket.all.at(-1)?.sent[0]?.type).toBe('session.start'));
  const socket = FakeSocket.all.at(-1)!;
  socket.push({ type: 'session.created', session_id: 's-1', payload: { session_id: 's-1' } });
  return socket;
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('agent page', { timeout: 20_000 }, () => {
  it('builds the WebSocket URL from the aggregator base', () => {
    expect(agentSessionUrl('/aggregator/api/v1', 'https://hub.example/agent/a/b')).toBe(
      'wss://hub.example/aggregator/api/v1/agent/session',
    );
    expect(agentSessionUrl('http://agg.local:8001/api/v1/', 'https://hub.example/')).toBe(
      'ws://agg.local:8001/api/v1/agent/session',
    );
  });

  it('starts a session, shows the steps, confirms a tool call from the keyboard, streams the answer', async () => {
    const user = userEvent.setup();
    renderPage();
    const socket = await startSession(user);
    expect(socket.url).toMatch(/^ws:\/\/localhost(:\d+)?\/aggregator\/api\/v1\/agent\/session$/);
    expect(socket.sent[0]).toEqual({
      type: 'session.start',
      payload: {
        prompt: 'When does it open?',
        endpoint: { owner: 'alice', slug: 'research-agent' },
        satellite_token: 'tok-alice',
      },
    });
    socket.push(event('agent.thinking', { content: 'Looking for documents', is_streaming: false }));
    socket.push(
      event('agent.tool_call', {
        tool_call_id: 'confirm-1',
        tool_name: 'read_document',
        arguments: { document: 'hours.md' },
        description: 'Read the whole document "Hours"',
        requires_confirmation: true,
      }),
    );
    const confirm = await screen.findByRole('button', { name: 'Confirm' });
    confirm.focus();
    await user.keyboard('{Enter}');
    expect(socket.sent.at(-1)).toEqual({ type: 'user.confirm', payload: { tool_call_id: 'confirm-1' } });
    expect(screen.queryByRole('button', { name: 'Confirm' })).toBeNull();

    socket.push(
      event('agent.tool_result', { tool_call_id: 'confirm-1', status: 'success', result: { chars: 9 } }),
    );
    socket.push(event('agent.token', { token: 'Opens ' }));
    socket.push(event('agent.token', { token: 'at nine.' }));
    expect(screen.getByLabelText('Agent (writing)').textContent).toBe('Opens at nine.');
    socket.push(event('agent.message', { content: 'Opens at nine.', is_complete: true }));
    socket.push(event('session.completed', { session_id: 's-1' }));
    socket.serverClose(1000);
    expect(await screen.findByText('Completed')).toBeTruthy();
    expect(screen.getByLabelText('Agent').textContent).toBe('Opens at nine.');
    expect(screen.queryByRole('alert')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Start over' }));
    expect(screen.getByText('Not started')).toBeTruthy();
  });

  it('answers an input request, denies a tool call, cancels', async () => {
    const user = userEvent.setup();
    renderPage();
    const socket = await startSession(user);
    socket.push(event('agent.request_input', { prompt: 'Which words should I search for?' }));
    expect(await screen.findByText('Waiting for your answer')).toBeTruthy();
    await user.type(screen.getByLabelText('Your answer'), 'opening hours{Enter}');
    expect(socket.sent.at(-1)).toEqual({ type: 'user.message', payload: { content: 'opening hours' } });
    socket.push(
      event('agent.tool_call', {
        tool_call_id: 'confirm-1',
        tool_name: 'read_document',
        arguments: {},
        requires_confirmation: true,
      }),
    );
    await user.click(await screen.findByRole('button', { name: 'Deny' }));
    expect(socket.sent.at(-1)).toMatchObject({ type: 'user.deny', payload: { tool_call_id: 'confirm-1' } });
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(socket.sent.at(-1)).toEqual({ type: 'user.cancel' });
    socket.push(event('session.failed', { error: 'session cancelled', reason: 'handler_error' }));
    socket.serverClose(1000);
    expect(await screen.findByText('Cancelled')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows errors clearly: a refused session, a lost connection', async () => {
    const user = userEvent.setup();
    renderPage();
    const socket = await startSession(user);
    socket.push({
      type: 'agent.error',
      payload: { code: 'AGENT_OFFLINE', message: 'The agent endpoint is not connected.', recoverable: false },
    });
    socket.serverClose(1011);
    expect((await screen.findByRole('alert')).textContent).toBe('The agent endpoint is not connected.');
    expect(screen.getByText('Error')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Start over' }));
    const second = await startSession(user);
    second.serverClose(1006);
    expect((await screen.findByRole('alert')).textContent).toBe('The connection to the aggregator was lost.');
  });
});
