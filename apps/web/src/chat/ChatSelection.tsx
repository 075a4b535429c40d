import type { EndpointType } from '@syfthub/client';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';

/**
 * An endpoint picked for chat, by its public `owner/slug` path, or a collective (or one of its shared endpoints)
 * by its `collective/<slug>[/<shared>]` path, expanded when the message is sent.
 */
export interface EndpointChoice {
  path: string;
  name: string;
  type: EndpointType | 'collective';
}

/** A data source the aggregator chose for the last question (automatic selection), with its search score. */
export interface PickedSource extends EndpointChoice {
  score: number;
}

export interface ChatSelection {
  model: EndpointChoice | null;
  sources: EndpointChoice[];
  /**
   * Sources the aggregator picked for the last question while none were chosen by hand (shown as "picked for you").
   * Choosing a source by hand clears them; removing one turns the rest into a hand-made choice.
   */
  picked: PickedSource[];
  setPicked(picked: PickedSource[]): void;
  removePicked(path: string): void;
  setModel(model: EndpointChoice | null): void;
  setSources(sources: EndpointChoice[]): void;
  addSource(source: EndpointChoice): void;
  removeSource(path: string): void;
  toggleSource(source: EndpointChoice): void;
  hasSource(path: string): boolean;
}

const MODEL_KEY = 'syft_chat_model';
const SOURCES_KEY = 'syft_chat_sources';

function load<T>(storage: () => Storage, key: string, fallback: T): T {
  try {
    const raw = storage().getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

function save(storage: () => Storage, key: string, value: unknown): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, JSON.stringify(value));
  } catch {
    // Losing the selection on reload is acceptable.
  }
}

const ChatSelectionContext = createContext<ChatSelection | null>(null);

/**
 * What the next chat message will use, shared by Browse ("Add to chat"), endpoint pages ("Use in chat"), the home
 * hero and the chat page. The model is remembered across visits (web.md §6.1), sources for this tab.
 */
export function ChatSelectionProvider({ children }: { children: ReactNode }) {
  const [model, setModelState] = useState<EndpointChoice | null>(() =>
    load<EndpointChoice | null>(() => window.localStorage, MODEL_KEY, null),
  );
  const [sources, setSources] = useState<EndpointChoice[]>(() =>
    load<EndpointChoice[]>(() => window.sessionStorage, SOURCES_KEY, []),
  );

  const [picked, setPickedState] = useState<PickedSource[]>([]);

  useEffect(() => save(() => window.localStorage, MODEL_KEY, model), [model]);
  useEffect(() => save(() => window.sessionStorage, SOURCES_KEY, sources), [sources]);

  const addSource = useCallback((source: EndpointChoice) => {
    setPickedState([]);
    setSources((list) => (list.some((item) => item.path === source.path) ? list : [...list, source]));
  }, []);
  const removeSource = useCallback((path: string) => {
    setSources((list) => list.filter((item) => item.path !== path));
  }, []);
  const setChosen = useCallback((list: EndpointChoice[]) => {
    setPickedState([]);
    setSources(list);
  }, []);
  const removePicked = useCallback(
    (path: string) => {
      setSources(
        picked
          .filter((item) => item.path !== path)
          .map(({ path: p, name, type }) => ({ path: p, name, type })),
      );
      setPickedState([]);
    },
    [picked],
  );
  const toggleSource = useCallback((source: EndpointChoice) => {
    setPickedState([]);
    setSources((list) =>
      list.some((item) => item.path === source.path)
        ? list.filter((item) => item.path !== source.path)
        : [...list, source],
    );
  }, []);

  const value = useMemo<ChatSelection>(
    () => ({
      model,
      sources,
      picked,
      setPicked: setPickedState,
      removePicked,
      setModel: setModelState,
      setSources: setChosen,
      addSource,
      removeSource,
      toggleSource,
      hasSource: (path) => sources.some((item) => item.path === path),
    }),
    [model, sources, picked, addSource, removeSource, removePicked, setChosen, toggleSource],
  );
  return <ChatSelectionContext.Provider value={value}>{children}</ChatSelectionContext.Provider>;
}

export function useChatSelection(): ChatSelection {
  const value = useContext(ChatSelectionContext);
  if (!value) throw new Error('useChatSelection must be used inside <ChatSelectionProvider>');
  return value;
}
