import type { Config } from '../config/schema.js';
import { type Provider, type ResolvedUpstream, resolveUpstream } from '../config/upstream.js';
import { extractUpstreamErrorMessage } from '../protocol/error-shapes.js';
import { type TokenUsage, usageOf } from '../store/learning-usage.js';

export interface LlmEndpoint {
  provider: Provider;
  baseUrl: string;
  apiKey?: string;
  /** Undefined: use the model of the turn being judged. */
  model?: string;
}

export interface ChatRequest {
  system?: string;
  user: string;
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object where the provider supports it (OpenAI `response_format`). */
  json?: boolean;
  model?: string;
}

/** A small text-in/text-out client for the judge and the evolver (never on the request path). */
export interface LlmClient {
  readonly name: string;
  complete(req: ChatRequest, signal: AbortSignal): Promise<string>;
}

export class LlmCallError extends Error {
  readonly code = 'llm_call_failed';
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

type EndpointSection = {
  provider?: Provider;
  base_url?: string;
  api_key?: string;
  api_key_env?: string;
  model?: string;
};

/**
 * A learning endpoint: explicit settings first, then `fallback` (the judge's for the evolver),
 * then the serving upstream. Null when nothing is configured anywhere.
 */
export function resolveLlmEndpoint(
  section: EndpointSection,
  config: Config,
  env: NodeJS.ProcessEnv,
  fallback?: LlmEndpoint | null,
): LlmEndpoint | null {
  const base: LlmEndpoint | null = fallback ?? upstreamEndpoint(resolveUpstream(config, env));
  const apiKey = section.api_key ?? (section.api_key_env ? env[section.api_key_env] : undefined);
  if (section.base_url) {
    return {
      provider: section.provider ?? base?.provider ?? 'openai',
      baseUrl: section.base_url.replace(/\/+$/, ''),
      apiKey,
      model: section.model ?? base?.model,
    };
  }
  if (!base) return null;
  return {
    ...base,
    provider: section.provider ?? base.provider,
    apiKey: apiKey ?? base.apiKey,
    model: section.model ?? base.model,
  };
}

function upstreamEndpoint(u: ResolvedUpstream | null): LlmEndpoint | null {
  return u ? { provider: u.provider, baseUrl: u.baseUrl, apiKey: u.apiKey, model: u.model } : null;
}

/**
 * `onUsage` is told the tokens of every answered call (the dashboard's learning cost); it is the
 * one place every judge and evolver call passes through.
 */
export function createLlmClient(
  endpoint: LlmEndpoint,
  timeoutMs: number,
  onUsage?: (model: string, usage: TokenUsage) => void,
): LlmClient {
  const name = `${endpoint.provider} endpoint at ${endpoint.baseUrl}`;
  return {
    name,
    async complete(req, signal) {
      const model = req.model ?? endpoint.model;
      if (!model)
        throw new LlmCallError(
          `${name}: no model configured (set judge.model / evolution.model)`,
          null,
          false,
        );
      const anthropic = endpoint.provider === 'anthropic';
      const url = anthropic ? `${endpoint.baseUrl}/v1/messages` : `${endpoint.baseUrl}/chat/completions`;
      const body = anthropic
        ? {
            model,
            max_tokens: req.maxTokens ?? 1024,
            temperature: req.temperature,
            ...(req.system ? { system: req.system } : {}),
            messages: [{ role: 'user', content: req.user }],
          }
        : {
            model,
            max_tokens: req.maxTokens ?? 1024,
            temperature: req.temperature,
            messages: [
              ...(req.system ? [{ role: 'system', content: req.system }] : []),
              { role: 'user', content: req.user },
            ],
            ...(req.json ? { response_format: { type: 'json_object' } } : {}),
          };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (anthropic) {
        headers['anthropic-version'] = '2023-06-01';
        if (endpoint.apiKey) headers['x-api-key'] = endpoint.apiKey;
      } else if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
      } catch (err) {
        const e = err as Error;
        const what =
          e.name === 'TimeoutError'
            ? `did not answer within ${timeoutMs} ms`
            : `cannot be reached: ${e.message}`;
        throw new LlmCallError(`${name} ${what}`, null, !signal.aborted);
      }
      const text = await res.text();
      if (!res.ok) {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {}
        const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
        throw new LlmCallError(
          `${name} answered HTTP ${res.status}: ${extractUpstreamErrorMessage(parsed)}`,
          res.status,
          retryable,
        );
      }
      const reply = extractText(anthropic, text, name);
      // A reply without `usage` still counts as a call (with zero tokens).
      onUsage?.(model, usageOf(reply.json) ?? { input: 0, output: 0 });
      return reply.text;
    },
  };
}

function extractText(anthropic: boolean, text: string, name: string): { text: string; json: unknown } {
  try {
    const json = JSON.parse(text) as {
      content?: { type: string; text?: string }[];
      choices?: { message?: { content?: string | null } }[];
    };
    if (anthropic)
      return {
        json,
        text: (json.content ?? [])
          .filter((b) => b.type === 'text')
          .map((b) => b.text ?? '')
          .join(''),
      };
    return { json, text: json.choices?.[0]?.message?.content ?? '' };
  } catch {
    throw new LlmCallError(`${name} returned a body that is not JSON`, null, true);
  }
}
