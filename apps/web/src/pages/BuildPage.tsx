import { useEffect, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { type TabItem, Tabs, tabPanelProps } from '../components/Tabs';
import { CodeBlock } from '../components/ui';
import { publicOrigin } from '../config';
import { useDocumentTitle } from '../lib/hooks';

type Language = 'typescript' | 'python' | 'go';
const LANGUAGES: TabItem<Language>[] = [
  { id: 'typescript', label: 'TypeScript' },
  { id: 'python', label: 'Python' },
  { id: 'go', label: 'Go' },
];

function sdkCode(language: Language, origin: string): string {
  const aggregator = `${origin}/aggregator/api/v1`;
  switch (language) {
    case 'typescript':
      return `// npm install @syfthub/sdk
import { SyftHubClient } from '@syfthub/sdk';

const client = new SyftHubClient({
  baseUrl: '${origin}',
  aggregatorUrl: '${aggregator}',
  apiToken: process.env.SYFTHUB_API_TOKEN, // Settings → API tokens
});

// Browse public endpoints
for await (const endpoint of client.hub.browse()) {
  console.log(\`\${endpoint.ownerUsername}/\${endpoint.slug}: \${endpoint.name}\`);
}

// Get one endpoint by its owner/slug path
const endpoint = await client.hub.get('alice/legal-docs');
console.log(endpoint.readme);

// Chat, non-streaming
const answer = await client.chat.complete({
  prompt: 'What does clause 7 say?',
  model: 'alice/assistant',
  dataSources: ['alice/legal-docs'],
});
console.log(answer.response);

// Chat, streaming
for await (const event of client.chat.stream({
  prompt: 'Summarise the termination rules',
  model: 'alice/assistant',
  dataSources: ['alice/legal-docs'],
})) {
  if (event.type === 'token') process.stdout.write(event.content);
}`;
    case 'python':
      return `# pip install syfthub-sdk
import os
from syfthub_sdk import SyftHubClient

client = SyftHubClient(
    base_url="${origin}",
    aggregator_url="${aggregator}",
    api_token=os.environ["SYFTHUB_API_TOKEN"],  # Settings → API tokens
)

# Browse public endpoints
for endpoint in client.hub.browse():
    print(f"{endpoint.path}: {endpoint.name}")

# Get one endpoint by its owner/slug path
endpoint = client.hub.get("alice/legal-docs")
print(endpoint.readme)

# Chat, non-streaming
answer = client.chat.complete(
    prompt="What does clause 7 say?",
    model="alice/assistant",
    data_sources=["alice/legal-docs"],
)
print(answer.response)

# Chat, streaming
for event in client.chat.stream(
    prompt="Summarise the termination rules",
    model="alice/assistant",
    data_sources=["alice/legal-docs"],
):
    if event.type == "token":
        print(event.content, end="", flush=True)`;
    case 'go':
      return `// go get github.com/OpenMined/syfthub/sdk/golang
client, err := syfthub.NewClient(
	syfthub.WithBaseURL("${origin}"),
	syfthub.WithAggregatorURL("${aggregator}"),
	syfthub.WithAPIToken(os.Getenv("SYFTHUB_API_TOKEN")),
)
if err != nil {
	log.Fatal(err)
}
defer client.Close()
ctx := context.Background()

// Chat, non-streaming
answer, err := client.Chat().Complete(ctx, &syfthub.ChatCompleteRequest{
	Prompt:      "What does clause 7 say?",
	Model:       "alice/assistant",
	DataSources: []string{"alice/legal-docs"},
})
if err != nil {
	log.Fatal(err)
}
fmt.Println(answer.Response)

// Chat, streaming
events, errs := client.Chat().Stream(ctx, &syfthub.ChatCompleteRequest{
	Prompt: "Summarise the termination rules", Model: "alice/assistant",
	DataSources: []string{"alice/legal-docs"},
})
for event := range events {
	if token, ok := event.(*syfthub.TokenEvent); ok {
		fmt.Print(token.Content)
	}
}
if err := <-errs; err != nil {
	log.Fatal(err)
}`;
  }
}

const EVENTS: [string, string][] = [
  ['retrieval_start', '{"sources": N} — the number of data sources queried'],
  ['source_complete', '{"path", "status", "documents"} — one per data source, as each finishes'],
  ['reranking_start / reranking_complete', 'documents being ranked, then how many were kept'],
  ['retrieval_complete', '{"total_documents", "time_ms"}'],
  ['generation_start', '{"model"} — the model starts answering'],
  ['generation_heartbeat', '{"elapsed_ms"} — while waiting for the first token'],
  ['token', '{"content"} — a piece of the answer, with [cite:N] markers'],
  ['done', 'sources, retrieval_info, metadata, usage and the position-annotated response'],
  ['error', '{"message"} — the request failed; nothing follows'],
];

export default function BuildPage() {
  useDocumentTitle('Build');
  const [language, setLanguage] = useState<Language>('typescript');
  const origin = publicOrigin();
  const location = useLocation();

  useEffect(() => {
    if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }, [location.hash]);

  return (
    <div className="page prose build-page">
      <h1>Build with SyftHub</h1>
      <p className="lead">
        Use the hub from code, connect an AI assistant, run your own satellite, or publish from here.
      </p>

      <section aria-labelledby="sdk">
        <h2 id="sdk">Use SyftHub from code</h2>
        <p>
          Create an API token in <Link to="/settings/tokens">Settings → API tokens</Link> and export it as{' '}
          <code>SYFTHUB_API_TOKEN</code>. The aggregator lives at <code>{origin}/aggregator/api/v1</code>.
        </p>
        <Tabs
          items={LANGUAGES}
          selected={language}
          onSelect={setLanguage}
          label="SDK language"
          idPrefix="sdk"
        />
        <div {...tabPanelProps('sdk', language)}>
          <CodeBlock
            code={sdkCode(language, origin)}
            label={LANGUAGES.find((l) => l.id === language)?.label as string}
          />
        </div>
      </section>

      <section aria-labelledby="mcp">
        <h2 id="mcp">Connect an AI assistant (MCP)</h2>
        <p>SyftHub is a remote MCP server. Add this URL to any client that supports remote MCP servers:</p>
        <CodeBlock code={`${origin}/mcp`} label="MCP server URL" />
        <ul>
          <li>
            <strong>Claude Desktop / claude.ai:</strong> Settings → Connectors → Add custom connector, paste
            the URL.
          </li>
          <li>
            <strong>VS Code:</strong> run “MCP: Add Server…”, choose HTTP, paste the URL.
          </li>
          <li>
            <strong>Cursor and others:</strong> add a server entry with{' '}
            <code>{`"url": "${origin}/mcp"`}</code>.
          </li>
        </ul>
        <p>
          The first time, your browser opens SyftHub: sign in with your account and approve the access. The
          assistant can then browse and search endpoints, read their details, and ask questions over the data
          sources you choose — as you, with your permissions.
        </p>
      </section>

      <section aria-labelledby="satellite">
        <h2 id="satellite">Run a satellite</h2>
        <p>
          A satellite serves your endpoints. The reference satellite indexes a folder of Markdown and text
          files and offers a model endpoint.
        </p>
        <ol>
          <li>
            Create a token with the <code>write</code> scope in{' '}
            <Link to="/settings/tokens">Settings → API tokens</Link>.
          </li>
          <li>Start the satellite with your hub and token:</li>
        </ol>
        <CodeBlock
          label="Satellite quick start"
          code={`SYFTHUB_URL=${origin} \\
SYFTHUB_ISSUER=${origin} \\
SYFTHUB_API_TOKEN=syft_pat_... \\
SATELLITE_PUBLIC_URL=https://satellite.example.com \\
SATELLITE_DOCS_DIR=./docs \\
pnpm --filter @syfthub/satellite start`}
        />
        <p>
          The satellite publishes its endpoints and reports their health every minute. Endpoints with
          connections stay listed while reports keep arriving; after about 90 seconds without one they turn
          inactive until the satellite is back.
        </p>
      </section>

      <section aria-labelledby="publish">
        <h2 id="publish">Publish from the browser</h2>
        <p>
          Describe an endpoint — README, tags, connections and policies — in{' '}
          <Link to="/my/endpoints/new">Publish endpoint</Link>.
        </p>
      </section>

      <section aria-labelledby="aggregator">
        <h2 id="aggregator">Aggregator API</h2>
        <p>The aggregator streams its progress and the answer as server-sent events:</p>
        <CodeBlock
          label="Streaming chat with curl"
          code={`TOKEN=$(curl -s "${origin}/api/v1/token/guest?aud=alice" | jq -r .target_token)

curl -N -X POST "${origin}/aggregator/api/v1/chat/stream" \\
  -H "Content-Type: application/json" \\
  -d '{"prompt": "What does clause 7 say?",
       "model": {"url": "https://satellite.example.com", "slug": "assistant", "owner_username": "alice"},
       "data_sources": [{"url": "https://satellite.example.com", "slug": "legal-docs", "owner_username": "alice"}],
       "endpoint_tokens": {"alice": "'"$TOKEN"'"}}'`}
        />
        <table className="table">
          <caption>Events, in order</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Data</th>
            </tr>
          </thead>
          <tbody>
            {EVENTS.map(([event, data]) => (
              <tr key={event}>
                <td>
                  <code>{event}</code>
                </td>
                <td>{data}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
