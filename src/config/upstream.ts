import type { Config } from './schema.js';

export type Provider = 'openai' | 'anthropic';

/** The upstream the proxy forwards to, with the key resolved. */
export interface ResolvedUpstream {
  provider: Provider;
  /** OpenAI: includes the version prefix (`https://api.openai.com/v1`). Anthropic: the host root. */
  baseUrl: string;
  apiKey?: string;
  model?: string;
  /** Where the settings came from, for `status` and `doctor`. */
  source: 'config' | 'env';
}

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

/**
 * Decide the upstream from the config, falling back to the usual environment variables so that
 * `npm start` works with nothing configured but a key. Returns null when there is no upstream at
 * all: the proxy still starts and answers 503 with instructions.
 */
export function resolveUpstream(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedUpstream | null {
  const u = config.upstream;
  const keyFromEnvName = u.api_key_env ? env[u.api_key_env] : undefined;
  if (u.provider) {
    const baseUrl =
      u.base_url ??
      (u.provider === 'openai'
        ? (env.OPENAI_BASE_URL ?? DEFAULT_OPENAI_BASE_URL)
        : (env.ANTHROPIC_BASE_URL ?? DEFAULT_ANTHROPIC_BASE_URL));
    const apiKey =
      u.api_key ??
      keyFromEnvName ??
      (u.provider === 'openai' ? env.OPENAI_API_KEY : env.ANTHROPIC_API_KEY) ??
      undefined;
    return { provider: u.provider, baseUrl: trimSlash(baseUrl), apiKey, model: u.model, source: 'config' };
  }
  if (u.base_url) {
    // A URL with no provider: assume the far more common OpenAI-compatible API.
    return {
      provider: 'openai',
      baseUrl: trimSlash(u.base_url),
      apiKey: u.api_key ?? keyFromEnvName ?? env.OPENAI_API_KEY,
      model: u.model,
      source: 'config',
    };
  }
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) {
    return {
      provider: 'openai',
      baseUrl: trimSlash(env.OPENAI_BASE_URL ?? DEFAULT_OPENAI_BASE_URL),
      apiKey: u.api_key ?? keyFromEnvName ?? env.OPENAI_API_KEY,
      model: u.model,
      source: 'env',
    };
  }
  if (env.ANTHROPIC_API_KEY) {
    return {
      provider: 'anthropic',
      baseUrl: trimSlash(env.ANTHROPIC_BASE_URL ?? DEFAULT_ANTHROPIC_BASE_URL),
      apiKey: u.api_key ?? keyFromEnvName ?? env.ANTHROPIC_API_KEY,
      model: u.model,
      source: 'env',
    };
  }
  return null;
}

/**
 * A URL safe to show (healthz, logs, error bodies, status, config show): the password of any
 * userinfo and every query value become `***`. Unparsable input is shown only up to its scheme.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.includes('@') || url.includes('?') ? `${url.split(/[@?]/)[0]}…(redacted)` : url;
  }
  if (u.password) u.password = '***';
  else if (u.username) u.username = '***';
  for (const k of [...new Set(u.searchParams.keys())]) u.searchParams.set(k, '***');
  return trimSlash(u.toString()).replaceAll('%2A%2A%2A', '***');
}

/**
 * Credentials written inside `upstream.base_url`, split off so they are forwarded as meant: the
 * userinfo as HTTP Basic auth, the query string on every request. `baseUrl` has neither.
 */
export function splitUrlCredentials(url: string): { baseUrl: string; basicAuth?: string; query: string } {
  const u = new URL(url);
  const basicAuth =
    u.username || u.password
      ? Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')
      : undefined;
  const query = u.search;
  u.username = '';
  u.password = '';
  u.search = '';
  return { baseUrl: trimSlash(u.toString()), basicAuth, query };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export const NO_UPSTREAM_HELP =
  'MetaClaw has no upstream LLM configured. Run `metaclaw setup` (a wizard), or set OPENAI_API_KEY (and optionally OPENAI_BASE_URL) or ANTHROPIC_API_KEY in the environment, or run `metaclaw config set upstream.provider openai` and `metaclaw config set upstream.base_url URL` (plus upstream.api_key_env), then restart.';
