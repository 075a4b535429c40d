import { useCallback, useEffect, useReducer, useRef } from 'react';
import { config } from '../config';
import { useApi } from '../lib/ApiContext';
import { agentReducer, INITIAL_AGENT_STATE, isLive } from './agentReducer';

/** `ws(s)://…/agent/session` from the aggregator's base URL, relative or absolute (agent-sessions.md §2). */
export function agentSessionUrl(aggregatorBase: string, pageUrl: string): string {
  const base = new URL(aggregatorBase.replace(/\/+$/, ''), pageUrl);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  base.pathname = `${base.pathname}/agent/session`;
  return base.toString();
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One agent session on the hub's own aggregator: a satellite token for the owner (no guest path, §3), the
 * WebSocket, and the actions of the page. Leaving the page closes the socket, which cancels the node's session.
 */
export function useAgentSession(owner: string, slug: string) {
  const api = useApi();
  const [state, dispatch] = useReducer(agentReducer, INITIAL_AGENT_STATE);
  const socket = useRef<WebSocket | null>(null);

  const send = useCallback((frame: unknown) => {
    const ws = socket.current;
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }, []);

  const close = useCallback(() => {
    const ws = socket.current;
    socket.current = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  }, []);

  useEffect(() => close, [close]);

  const start = useCallback(
    async (prompt: string) => {
      close();
      dispatch({ type: 'start', prompt });
      let token: string;
      try {
        token = (await api.hub.identity.satelliteToken(owner)).target_token;
      } catch (error) {
        dispatch({
          type: 'frame',
          frame: {
            type: 'agent.error',
            payload: { message: `Could not get an access token: ${errorText(error)}` },
          },
        });
        return;
      }
      const ws = new WebSocket(agentSessionUrl(config.aggregatorUrl, window.location.href));
      socket.current = ws;
      ws.addEventListener('open', () => {
        ws.send(
          JSON.stringify({
            type: 'session.start',
            payload: { prompt, endpoint: { owner, slug }, satellite_token: token },
          }),
        );
      });
      ws.addEventListener('message', (event) => {
        if (socket.current !== ws) return;
        try {
          dispatch({ type: 'frame', frame: JSON.parse(String(event.data)) });
        } catch {
          // Not JSON: nothing the page could show.
        }
      });
      ws.addEventListener('close', (event) => {
        if (socket.current !== ws) return;
        socket.current = null;
        dispatch({ type: 'closed', code: event.code });
      });
    },
    [api, owner, slug, close],
  );

  const reply = useCallback(
    (text: string) => {
      if (!isLive(state.phase)) return;
      send({ type: 'user.message', payload: { content: text } });
      dispatch({ type: 'sent', text });
    },
    [send, state.phase],
  );

  const answer = useCallback(
    (toolCallId: string, confirmed: boolean) => {
      send(
        confirmed
          ? { type: 'user.confirm', payload: { tool_call_id: toolCallId } }
          : { type: 'user.deny', payload: { tool_call_id: toolCallId, reason: 'Denied on the agent page' } },
      );
      dispatch({ type: 'answered', toolCallId, answer: confirmed ? 'confirmed' : 'denied' });
    },
    [send],
  );

  const cancel = useCallback(() => {
    send({ type: 'user.cancel' });
    dispatch({ type: 'cancel' });
  }, [send]);

  const reset = useCallback(() => {
    close();
    dispatch({ type: 'reset' });
  }, [close]);

  return { state, start, reply, answer, cancel, reset };
}
