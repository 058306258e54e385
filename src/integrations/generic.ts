import { type AgentIntegration, type IntegrationContext, PLACEHOLDER_KEY } from './types.js';

/** Settings and copy-paste snippets for any OpenAI- or Anthropic-compatible client. */
export function genericSnippets(ctx: Pick<IntegrationContext, 'proxyUrl' | 'proxyKey' | 'model'>): string {
  const key = ctx.proxyKey ?? PLACEHOLDER_KEY;
  const keyNote = ctx.proxyKey
    ? 'the proxy key (proxy.api_key)'
    : 'any value: no proxy.api_key is set, so the proxy accepts any key on loopback';
  return `MetaClaw proxy
  OpenAI base URL:    ${ctx.proxyUrl}/v1
  Anthropic base URL: ${ctx.proxyUrl}
  API key:            ${key}   (${keyNote})
  model:              ${ctx.model}

OpenAI SDK (TypeScript)
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${ctx.proxyUrl}/v1', apiKey: '${key}' });
  const r = await client.chat.completions.create({ model: '${ctx.model}', messages: [{ role: 'user', content: 'Hello' }] });

OpenAI SDK (Python)
  from openai import OpenAI
  client = OpenAI(base_url="${ctx.proxyUrl}/v1", api_key="${key}")

Anthropic SDK (TypeScript)
  import Anthropic from '@anthropic-ai/sdk';
  const client = new Anthropic({ baseURL: '${ctx.proxyUrl}', apiKey: '${key}' });
  const m = await client.messages.create({ model: '${ctx.model}', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }] });

Anthropic SDK (Python)
  import anthropic
  client = anthropic.Anthropic(base_url="${ctx.proxyUrl}", api_key="${key}")

curl
  curl ${ctx.proxyUrl}/v1/chat/completions -H 'content-type: application/json' -H 'authorization: Bearer ${key}' \\
    -H 'x-session-id: my-session' -d '{"model":"${ctx.model}","messages":[{"role":"user","content":"Hello"}]}'
  curl ${ctx.proxyUrl}/v1/messages -H 'content-type: application/json' -H 'x-api-key: ${key}' \\
    -d '{"model":"${ctx.model}","max_tokens":256,"messages":[{"role":"user","content":"Hello"}]}'

Optional headers: X-Session-Id (group calls), X-Turn-Type: main|side, X-Session-Done: true (end the session).`;
}

export const genericIntegration: AgentIntegration = {
  id: 'generic',
  title: 'any OpenAI/Anthropic client',
  configFile: () => null,
  async install(ctx) {
    for (const line of genericSnippets(ctx).split('\n')) ctx.say(line);
  },
  async remove(ctx) {
    ctx.say('generic: nothing was written, nothing to undo');
  },
  status() {
    return { wired: false, drifted: false, detail: 'prints settings only' };
  },
};
