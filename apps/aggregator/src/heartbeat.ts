/** Quiet time after which a heartbeat is sent again once tokens have started flowing (§4.6). */
export const TOKEN_SILENCE_MS = 15_000;

export interface Heartbeat {
  /** Call on every token: after the first one, heartbeats only fill silences of {@link TOKEN_SILENCE_MS}. */
  tokenSent(): void;
  stop(): void;
}

/**
 * Schedules `generation_heartbeat` from `generation_start`: every `intervalMs` until the first token, then only
 * after a token-free stretch. One timer per stream, re-armed in place on each token.
 */
export function startHeartbeat(intervalMs: number, beat: (elapsedMs: number) => void): Heartbeat {
  const since = performance.now();
  let streaming = false;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    beat(Math.round(performance.now() - since));
    timer = setTimeout(tick, streaming ? TOKEN_SILENCE_MS : intervalMs);
  };
  let timer = setTimeout(tick, intervalMs);
  return {
    tokenSent() {
      if (stopped) return;
      if (streaming) {
        timer.refresh();
        return;
      }
      streaming = true;
      clearTimeout(timer);
      timer = setTimeout(tick, TOKEN_SILENCE_MS);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
