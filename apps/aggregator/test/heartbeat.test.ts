import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHeartbeat, TOKEN_SILENCE_MS } from '../src/heartbeat';

describe('startHeartbeat (§4.6)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('beats every interval until the first token, then only after 15 s without tokens', () => {
    const beats: number[] = [];
    const hb = startHeartbeat(100, (elapsed) => beats.push(elapsed));
    vi.advanceTimersByTime(350);
    expect(beats).toEqual([100, 200, 300]);

    hb.tokenSent();
    vi.advanceTimersByTime(TOKEN_SILENCE_MS - 1000);
    hb.tokenSent();
    vi.advanceTimersByTime(TOKEN_SILENCE_MS - 1);
    expect(beats).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(beats).toHaveLength(4);
    expect(beats[3]).toBe(350 + 2 * TOKEN_SILENCE_MS - 1000);

    vi.advanceTimersByTime(TOKEN_SILENCE_MS);
    expect(beats).toHaveLength(5);
    hb.stop();
    vi.advanceTimersByTime(10 * TOKEN_SILENCE_MS);
    expect(beats).toHaveLength(5);
  });
});
