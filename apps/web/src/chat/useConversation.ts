import {
  type ChatMessage,
  type ChatStreamEvent,
  CollectiveResolutionError,
  type EndpointRefInput,
  type EndpointView,
  type ExpandedSource,
  expandDataSources,
  isAbortError,
  isApiError,
  stripCitationMarkers,
  TooManyDataSourcesError,
} from '@syfthub/client';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { config } from '../config';
import { useApi } from '../lib/ApiContext';
import type { Api } from '../lib/api';
import { keys } from '../lib/queries';
import { useSession } from '../session/SessionProvider';
import { type EndpointChoice, useChatSelection } from './ChatSelection';
import { splitPath, stripMentions, toEndpointRef } from './resolve';
import { idleRun, isRunning, type RunAction, type RunState, runReducer } from './runReducer';

export interface UserTurn {
  id: string;
  role: 'user';
  content: string;
  model: EndpointChoice;
  sources: EndpointChoice[];
}

export interface AssistantTurn {
  id: string;
  role: 'assistant';
  run: RunState;
  model: EndpointChoice;
}

export type Turn = UserTurn | AssistantTurn;

type ConversationAction =
  | { type: 'append'; turns: Turn[] }
  | { type: 'run'; id: string; action: RunAction }
  | { type: 'truncate'; fromId: string }
  | { type: 'clear' };

const STORAGE_KEY = 'syft_chat_history';
const MAX_TURNS = 50;

function conversationReducer(turns: Turn[], action: ConversationAction): Turn[] {
  switch (action.type) {
    case 'append':
      return [...turns, ...action.turns].slice(-MAX_TURNS);
    case 'run':
      return turns.map((turn) =>
        turn.id === action.id && turn.role === 'assistant'
          ? { ...turn, run: runReducer(turn.run, action.action) }
          : turn,
      );
    case 'truncate': {
      const index = turns.findIndex((turn) => turn.id === action.fromId);
      return index === -1 ? turns : turns.slice(0, index);
    }
    case 'clear':
      return [];
  }
}

/** History restored from this tab's storage; an answer cut off by a reload counts as stopped. */
function loadHistory(): Turn[] {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    const turns = raw ? (JSON.parse(raw) as Turn[]) : [];
    return turns.map((turn) =>
      turn.role === 'assistant' && isRunning(turn.run)
        ? { ...turn, run: runReducer(turn.run, { type: 'stop' }) }
        : turn,
    );
  } catch {
    return [];
  }
}

let counter = 0;
function newId(): string {
  counter += 1;
  return `${Date.now().toString(36)}-${counter}`;
}

/** Previous turns as `{role, content}`, with citation markers removed from answers (web.md §6.2 step 4). */
export function historyFor(turns: Turn[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const turn of turns) {
    if (turn.role === 'user' && turn.content.trim()) messages.push({ role: 'user', content: turn.content });
    if (turn.role === 'assistant') {
      const text = stripCitationMarkers(turn.run.text).trim();
      if (text) messages.push({ role: 'assistant', content: text });
    }
  }
  return messages;
}

async function resolvePath(
  api: Api,
  queryClient: ReturnType<typeof useQueryClient>,
  path: string,
  signedIn: boolean,
): Promise<EndpointView> {
  const parts = splitPath(path);
  if (!parts) throw new Error(`“${path}” is not an owner/slug path.`);
  return queryClient.fetchQuery({
    queryKey: ['resolve', path.toLowerCase(), signedIn],
    queryFn: () => api.hub.endpoints.byPath(parts.owner, parts.slug),
    staleTime: 60_000,
  });
}

function errorText(error: unknown): string {
  if (isApiError(error)) return error.status === 404 ? 'not found or not visible to you' : error.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The chat conversation: sending (resolve → satellite tokens → stream), stop, retry and history
 * (web.md §6.2, §6.6). Tokens are appended at most once per animation frame.
 */
export function useConversation() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { status, user } = useSession();
  const { setPicked } = useChatSelection();
  const [turns, dispatch] = useReducer(conversationReducer, undefined, loadHistory);
  const controller = useRef<AbortController | null>(null);
  const turnsRef = useRef(turns);
  turnsRef.current = turns;

  useEffect(() => {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(turns.slice(-MAX_TURNS)));
    } catch {
      // Storage full: the conversation still lives in memory.
    }
  }, [turns]);

  useEffect(() => () => controller.current?.abort(), []);

  const aggregatorUrl = useCallback(async (): Promise<string> => {
    if (status !== 'signed_in') return config.aggregatorUrl;
    try {
      const list = await queryClient.fetchQuery({
        queryKey: keys.aggregators,
        queryFn: () => api.hub.aggregators.list(),
      });
      const chosen =
        list.aggregators.find((item) => item.id === list.default_aggregator_id) ??
        list.aggregators.find((a) => a.is_default);
      if (chosen) return chosen.url;
    } catch {
      // Fall back to the built-in aggregator.
    }
    return user?.aggregator_url || config.aggregatorUrl;
  }, [api, queryClient, status, user]);

  const run = useCallback(
    async (userTurn: UserTurn, earlier: Turn[]) => {
      const assistantId = newId();
      const names: Record<string, string> = { [userTurn.model.path]: userTurn.model.name };
      for (const source of userTurn.sources) names[source.path] = source.name;
      const initial = runReducer(idleRun, { type: 'prepare', names });
      dispatch({
        type: 'append',
        turns: [{ id: assistantId, role: 'assistant', run: initial, model: userTurn.model }],
      });
      const act = (action: RunAction) => dispatch({ type: 'run', id: assistantId, action });

      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      const signedIn = status === 'signed_in';

      let pending = '';
      let frame: number | null = null;
      const flush = () => {
        if (frame !== null) cancelAnimationFrame(frame);
        frame = null;
        if (pending) {
          act({ type: 'event', event: { type: 'token', content: pending } });
          pending = '';
        }
      };

      try {
        let model: EndpointRefInput;
        try {
          model = toEndpointRef(await resolvePath(api, queryClient, userTurn.model.path, signedIn), 'model');
        } catch (error) {
          act({
            type: 'fail',
            message: `The model ${userTurn.model.path} cannot be used: ${errorText(error)}`,
          });
          return;
        }
        // `collective/…` sources become their members, with the caller's credentials, and the whole selection
        // is checked against the aggregator's limit before anything is sent (collectives.md §9).
        let expanded: ExpandedSource[];
        try {
          expanded = await expandDataSources(
            api.hub.collectives,
            userTurn.sources.map((source) => source.path),
            { limit: config.maxDataSources, signal: abort.signal },
          );
        } catch (error) {
          if (error instanceof CollectiveResolutionError || error instanceof TooManyDataSourcesError) {
            act({ type: 'fail', message: error.message });
            return;
          }
          throw error;
        }
        const resolved = await Promise.all(
          expanded.map(async (source) => {
            const label = names[source.path] ?? source.path;
            try {
              const endpoint = await resolvePath(api, queryClient, source.path, signedIn);
              if (source.from) act({ type: 'names', names: { [source.path]: endpoint.name } });
              return toEndpointRef(endpoint, 'source');
            } catch (error) {
              const via = source.from ? ` (from ${names[source.from] ?? source.from})` : '';
              act({
                type: 'warning',
                message: `${label} (${source.path})${via} was left out: ${errorText(error)}`,
              });
              return null;
            }
          }),
        );
        const dataSources = resolved.filter((ref): ref is EndpointRefInput => ref !== null);
        if (abort.signal.aborted) return;

        const owners = [
          ...new Set([model, ...dataSources].map((ref) => ref.owner_username?.toLowerCase()).filter(Boolean)),
        ] as string[];
        const tokens: Record<string, string> = {};
        await Promise.all(
          owners.map(async (owner) => {
            try {
              const minted = signedIn
                ? await api.hub.identity.satelliteToken(owner)
                : await api.hub.identity.guestSatelliteToken(owner);
              tokens[owner] = minted.target_token;
            } catch (error) {
              act({
                type: 'warning',
                message: `Could not get an access token for ${owner}'s endpoints: ${errorText(error)}`,
              });
            }
          }),
        );
        if (abort.signal.aborted) return;

        // No source chosen by hand: the aggregator picks them (docs/auto-sources.md). The hub token goes only to
        // the hub's own aggregator, which uses it to include the user's private sources; never to a custom one.
        const auto = userTurn.sources.length === 0;
        const baseUrl = await aggregatorUrl();
        const hubToken =
          auto && signedIn && baseUrl === config.aggregatorUrl ? api.tokens.getAccessToken() : null;
        const aggregator = api.aggregator(baseUrl);
        const stream = aggregator.streamChat(
          {
            prompt:
              stripMentions(
                userTurn.content,
                userTurn.sources.map((source) => source.path),
              ) || userTurn.content,
            model,
            data_sources: dataSources,
            endpoint_tokens: tokens,
            top_k: 5,
            max_tokens: 1024,
            temperature: 0.7,
            similarity_threshold: 0.5,
            messages: historyFor(earlier),
            ...(auto ? { auto_sources: true, ...(hubToken ? { user_token: hubToken } : {}) } : {}),
          },
          { signal: abort.signal, onCorrelationId: (id) => act({ type: 'correlation', id }) },
        );
        for await (const event of stream as AsyncIterable<ChatStreamEvent>) {
          if (event.type === 'token') {
            pending += event.content;
            if (frame === null) frame = requestAnimationFrame(flush);
            continue;
          }
          flush();
          if (event.type === 'retrieval_start' && event.source_selection) {
            setPicked(
              event.source_selection.sources.map((source) => ({
                path: source.path,
                name: source.name,
                type: 'data_source' as const,
                score: source.relevance_score,
              })),
            );
          }
          act({ type: 'event', event });
        }
        flush();
        act({ type: 'end' });
      } catch (error) {
        flush();
        if (isAbortError(error) || abort.signal.aborted) act({ type: 'stop' });
        else if (isApiError(error))
          act({ type: 'fail', message: error.message, correlationId: error.correlationId });
        else act({ type: 'fail', message: error instanceof Error ? error.message : 'The chat failed.' });
      } finally {
        if (controller.current === abort) controller.current = null;
      }
    },
    [api, queryClient, status, aggregatorUrl, setPicked],
  );

  const send = useCallback(
    (content: string, model: EndpointChoice, sources: EndpointChoice[]) => {
      const earlier = turnsRef.current;
      const userTurn: UserTurn = { id: newId(), role: 'user', content, model, sources };
      dispatch({ type: 'append', turns: [userTurn] });
      void run(userTurn, earlier);
    },
    [run],
  );

  const stop = useCallback(() => {
    controller.current?.abort();
    const last = turnsRef.current[turnsRef.current.length - 1];
    if (last?.role === 'assistant') dispatch({ type: 'run', id: last.id, action: { type: 'stop' } });
  }, []);

  /** Resubmits the last question with the same model and sources, replacing its answer. */
  const retry = useCallback(() => {
    const list = turnsRef.current;
    let userIndex = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]?.role === 'user') {
        userIndex = i;
        break;
      }
    }
    const userTurn = list[userIndex];
    if (userTurn?.role !== 'user') return;
    const answer = list[userIndex + 1];
    if (answer) dispatch({ type: 'truncate', fromId: answer.id });
    void run(userTurn, list.slice(0, userIndex));
  }, [run]);

  const clear = useCallback(() => {
    controller.current?.abort();
    dispatch({ type: 'clear' });
  }, []);

  const last = turns[turns.length - 1];
  const running = last?.role === 'assistant' && isRunning(last.run);
  return { turns, send, stop, retry, clear, running };
}
