/** Copyable code for the endpoint API tab and the Build page, using the official SDKs' public APIs. */

export interface Snippet {
  id: string;
  label: string;
  code: string;
}

function quoteList(items: string[], quote = "'"): string {
  return items.map((item) => `${quote}${item}${quote}`).join(', ');
}

export function sdkChatSnippets(origin: string, model: string, dataSources: string[]): Snippet[] {
  const aggregator = `${origin}/aggregator/api/v1`;
  return [
    {
      id: 'typescript',
      label: 'TypeScript',
      code: `import { SyftHubClient } from '@syfthub/sdk';

const client = new SyftHubClient({
  baseUrl: '${origin}',
  aggregatorUrl: '${aggregator}',
  apiToken: process.env.SYFTHUB_API_TOKEN,
});

for await (const event of client.chat.stream({
  prompt: 'What does this cover?',
  model: '${model}',
  dataSources: [${quoteList(dataSources)}],
})) {
  if (event.type === 'token') process.stdout.write(event.content);
  if (event.type === 'done') console.log('\\nSources:', Object.keys(event.sources));
}`,
    },
    {
      id: 'python',
      label: 'Python',
      code: `import os
from syfthub_sdk import SyftHubClient

client = SyftHubClient(
    base_url="${origin}",
    aggregator_url="${aggregator}",
    api_token=os.environ["SYFTHUB_API_TOKEN"],
)

response = client.chat.complete(
    prompt="What does this cover?",
    model="${model}",
    data_sources=[${quoteList(dataSources, '"')}],
)
print(response.response)
for title, source in response.sources.items():
    print(f"- {title} ({source.slug})")`,
    },
    {
      id: 'go',
      label: 'Go',
      code: `client, err := syfthub.NewClient(
	syfthub.WithBaseURL("${origin}"),
	syfthub.WithAggregatorURL("${aggregator}"),
	syfthub.WithAPIToken(os.Getenv("SYFTHUB_API_TOKEN")),
)
if err != nil {
	log.Fatal(err)
}
defer client.Close()

response, err := client.Chat().Complete(ctx, &syfthub.ChatCompleteRequest{
	Prompt:      "What does this cover?",
	Model:       "${model}",
	DataSources: []string{${quoteList(dataSources, '"')}},
})
if err != nil {
	log.Fatal(err)
}
fmt.Println(response.Response)`,
    },
  ];
}

export function endpointCurlSnippets(
  origin: string,
  owner: string,
  slug: string,
  isModel: boolean,
): Snippet[] {
  const body = isModel
    ? `{"messages":[{"role":"user","content":"Hello"}],"max_tokens":256,"temperature":0.7,"stream":false}`
    : `{"messages":[{"role":"user","content":"What does this cover?"}],"limit":5,"similarity_threshold":0.5}`;
  return [
    {
      id: 'satellite',
      label: 'Satellite (direct)',
      code: `# 1. Mint a 60-second satellite token for ${owner}'s satellite
TOKEN=$(curl -s "${origin}/api/v1/token?aud=${owner}" \\
  -H "Authorization: Bearer $SYFTHUB_API_TOKEN" | jq -r .target_token)

# 2. Find the satellite URL (connect[0].config.url) and query it
URL=$(curl -s "${origin}/api/v1/endpoints/by-path/${owner}/${slug}" | jq -r '.connect[0].config.url')
curl -s "$URL/api/v1/endpoints/${slug}/query" \\
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
  -d '${body}'`,
    },
    {
      id: 'proxy',
      label: 'Hub proxy',
      code: `curl -s -X POST "${origin}/${owner}/${slug}" \\
  -H "Authorization: Bearer $SYFTHUB_API_TOKEN" -H "Content-Type: application/json" \\
  -d '${body}'`,
    },
  ];
}

export function aggregatorCurlSnippet(
  origin: string,
  model: { url: string; owner: string; slug: string },
  sources: { url: string; owner: string; slug: string }[],
): Snippet {
  const ref = (item: { url: string; owner: string; slug: string }) =>
    `{"url":"${item.url}","slug":"${item.slug}","owner_username":"${item.owner}"}`;
  const owners = [...new Set([model.owner, ...sources.map((s) => s.owner)])];
  return {
    id: 'aggregator',
    label: 'Aggregator (streaming)',
    code: `# Mint one satellite token per owner, then stream the chat
${owners.map((owner) => `T_${owner.replace(/[^A-Za-z0-9]/g, '_')}=$(curl -s "${origin}/api/v1/token/guest?aud=${owner}" | jq -r .target_token)`).join('\n')}

curl -N -X POST "${origin}/aggregator/api/v1/chat/stream" \\
  -H "Content-Type: application/json" -H "Accept: text/event-stream" \\
  -d '{"prompt":"What does this cover?",
       "model":${ref(model)},
       "data_sources":[${sources.map(ref).join(',')}],
       "endpoint_tokens":{${owners.map((owner) => `"${owner}":"'"$T_${owner.replace(/[^A-Za-z0-9]/g, '_')}"'"`).join(',')}}}'`,
  };
}
