import type { JsonObject } from '../../protocol/types.js';
import { sendError } from '../errors.js';
import { sendJson } from '../http-util.js';
import { handleProxy, type ProxyDeps } from '../proxy/handle.js';
import type { Route } from '../router.js';

/** The LLM endpoints agents call: OpenAI Chat Completions and Responses, Anthropic Messages, model listing. */
export function llmRoutes(deps: ProxyDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/chat/completions',
      auth: true,
      errorShape: 'openai',
      handler: ({ req, res, url }) => handleProxy('openai-chat', req, res, url, deps),
    },
    {
      // Codex CLI speaks only this API.
      method: 'POST',
      path: '/v1/responses',
      auth: true,
      errorShape: 'openai',
      handler: ({ req, res, url }) => handleProxy('openai-responses', req, res, url, deps),
    },
    {
      method: 'POST',
      path: '/v1/messages',
      auth: true,
      errorShape: 'anthropic',
      handler: ({ req, res, url }) => handleProxy('anthropic-messages', req, res, url, deps),
    },
    {
      method: 'GET',
      path: '/v1/models',
      auth: true,
      errorShape: 'openai',
      handler: async ({ res }) => {
        const backend = deps.backend();
        if (!backend) {
          sendJson(res, 200, { object: 'list', data: [] });
          return;
        }
        const fallback = () => {
          const id = backend.model ?? 'metaclaw';
          sendJson(res, 200, {
            object: 'list',
            data: [{ id, object: 'model', created: 0, owned_by: 'metaclaw' }],
          });
        };
        if (!backend.listModels) return fallback();
        try {
          const up = await backend.listModels(AbortSignal.timeout(15_000));
          const chunks: Buffer[] = [];
          for await (const c of up.body) chunks.push(Buffer.from(c));
          if (up.status !== 200) return fallback();
          const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonObject;
          sendJson(res, 200, json);
        } catch (err) {
          sendError(res, 'openai', 502, `cannot list models from ${backend.name}: ${(err as Error).message}`);
        }
      },
    },
  ];
}
