import type { ChatStreamEvent } from '@syfthub/client';
import { describe, expect, it } from 'vitest';
import { idleRun, type RunState, runReducer, runSummary } from '../src/chat/runReducer';

function play(events: ChatStreamEvent[], names: Record<string, string> = {}): RunState {
  let state = runReducer(idleRun, { type: 'prepare', names });
  for (const event of events) state = runReducer(state, { type: 'event', event });
  return state;
}

const stepView = (state: RunState) => state.steps.map((step) => `${step.id}:${step.status}`);

describe('chat run reducer (web.md §6.4)', () => {
  it('starts in preparing', () => {
    const state = runReducer(idleRun, { type: 'prepare', names: {} });
    expect(state.phase).toBe('preparing');
    expect(state.status).toBe('Preparing…');
  });

  it('retrieval_start with sources shows Retrieval active and Generation pending', () => {
    const state = play([{ type: 'retrieval_start', sources: 2 }]);
    expect(stepView(state)).toEqual(['retrieval:active', 'generation:pending']);
    expect(state.status).toBe('Searching 2 data sources…');
  });

  it('retrieval_start with no sources shows only Generation', () => {
    expect(stepView(play([{ type: 'retrieval_start', sources: 0 }]))).toEqual(['generation:pending']);
  });

  it('source_complete counts sources and names them', () => {
    const state = play(
      [
        { type: 'retrieval_start', sources: 2 },
        { type: 'source_complete', path: 'alice/docs', status: 'success', documents: 3 },
        { type: 'source_complete', path: 'bob/wiki', status: 'access_denied', documents: 0 },
      ],
      { 'alice/docs': 'Documents' },
    );
    expect(state.status).toBe('Retrieved from 2 of 2 sources…');
    expect(state.sources).toEqual([
      { path: 'alice/docs', name: 'Documents', status: 'success', documents: 3 },
      { path: 'bob/wiki', name: 'wiki', status: 'access_denied', documents: 0 },
    ]);
  });

  it('reranking inserts a step before generation and completes it', () => {
    const started = play([
      { type: 'retrieval_start', sources: 1 },
      { type: 'reranking_start', documents: 8 },
    ]);
    expect(stepView(started)).toEqual(['retrieval:active', 'reranking:active', 'generation:pending']);
    const done = runReducer(started, {
      type: 'event',
      event: { type: 'reranking_complete', documents: 5, time_ms: 1234 },
    });
    expect(done.steps[1]).toMatchObject({ status: 'done', detail: '5 documents · 1.2 s' });
  });

  it('retrieval_complete reports found or none', () => {
    const found = play([
      { type: 'retrieval_start', sources: 1 },
      { type: 'retrieval_complete', total_documents: 4, time_ms: 400 },
    ]);
    expect(found.steps[0]).toMatchObject({ status: 'done', detail: 'Found 4 relevant documents · 0.4 s' });
    const none = play([
      { type: 'retrieval_start', sources: 1 },
      { type: 'retrieval_complete', total_documents: 0, time_ms: 100 },
    ]);
    expect(none.steps[0]?.detail).toBe('No relevant documents found · 0.1 s');
  });

  it('generation_start completes earlier steps; heartbeats count seconds until the first token', () => {
    const state = play(
      [
        { type: 'retrieval_start', sources: 1 },
        { type: 'generation_start', model: 'alice/assistant' },
        { type: 'generation_heartbeat', elapsed_ms: 6000 },
      ],
      { 'alice/assistant': 'Assistant' },
    );
    expect(stepView(state)).toEqual(['retrieval:done', 'generation:active']);
    expect(state.status).toBe('Generating response… 6 s');
    const streaming = runReducer(state, { type: 'event', event: { type: 'token', content: 'Hi' } });
    expect(streaming.phase).toBe('streaming');
    expect(streaming.status).toBe('Writing response…');
    const ignored = runReducer(streaming, {
      type: 'event',
      event: { type: 'generation_heartbeat', elapsed_ms: 9000 },
    });
    expect(ignored.status).toBe('Writing response…');
  });

  it('tokens accumulate and done completes every step', () => {
    const state = play([
      { type: 'retrieval_start', sources: 0 },
      { type: 'generation_start' },
      { type: 'token', content: 'Hello ' },
      { type: 'token', content: 'world [cite:1]' },
      {
        type: 'done',
        payload: {
          sources: {},
          retrieval_info: [],
          metadata: { retrieval_time_ms: 0, generation_time_ms: 1, total_time_ms: 2500 },
        },
      },
    ]);
    expect(state.text).toBe('Hello world [cite:1]');
    expect(state.phase).toBe('complete');
    expect(stepView(state)).toEqual(['generation:done']);
    expect(runSummary(state)).toBe('Answered without data sources · 2.5 s');
  });

  it('error keeps partial text and marks active steps failed', () => {
    const state = play([
      { type: 'retrieval_start', sources: 0 },
      { type: 'generation_start' },
      { type: 'token', content: 'Partial' },
      { type: 'error', message: 'Model generation failed: Model request timed out' },
    ]);
    expect(state.phase).toBe('error');
    expect(state.text).toBe('Partial');
    expect(state.error).toMatch(/timed out/);
    expect(stepView(state)).toEqual(['generation:error']);
  });

  it('stop keeps the partial answer without an error and ignores late events', () => {
    const running = play([
      { type: 'retrieval_start', sources: 0 },
      { type: 'generation_start' },
      { type: 'token', content: 'Half an ans' },
    ]);
    const stopped = runReducer(running, { type: 'stop' });
    expect(stopped.phase).toBe('stopped');
    expect(stopped.error).toBeNull();
    expect(stopped.text).toBe('Half an ans');
    const late = runReducer(stopped, { type: 'event', event: { type: 'token', content: 'wer' } });
    expect(late).toBe(stopped);
  });

  it('a stream that ends without done or error is an error', () => {
    const ended = runReducer(play([{ type: 'retrieval_start', sources: 0 }]), { type: 'end' });
    expect(ended.phase).toBe('error');
    expect(ended.error).toMatch(/closed before/);
  });
});
