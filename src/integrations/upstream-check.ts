import type { Provider } from '../config/upstream.js';

export interface CheckTarget {
  provider: Provider;
  /** OpenAI-style: with `/v1`; Anthropic: the host root. */
  baseUrl: string;
  apiKey?: string;
  model?: string;
  anthropicVersion?: string;
}

export type CheckFailure = 'auth' | 'not-found' | 'network' | 'timeout' | 'http';

export type CheckResult =
  | { ok: true; detail: string /** The upstream's model list, when it has one. */; models?: string[] }
  | { ok: false; kind: CheckFailure; detail: string; hint: string };

export interface CheckOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * One cheap probe of an upstream: list its models (no tokens spent); when the server has no
 * model list, a one-token request. Failures are classified so the user gets an explanation and
 * a fix instead of a stack trace: bad key, wrong URL, nothing listening, unknown host, timeout.
 */
export async function checkUpstream(t: CheckTarget, o: CheckOptions = {}): Promise<CheckResult> {
  const doFetch = o.fetch ?? fetch;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const base = t.baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  if (t.provider === 'anthropic') {
    headers['anthropic-version'] = t.anthropicVersion ?? '2023-06-01';
    if (t.apiKey) headers['x-api-key'] = t.apiKey;
  } else if (t.apiKey) headers.authorization = `Bearer ${t.apiKey}`;
  const modelsUrl = t.provider === 'anthropic' ? `${base}/v1/models` : `${base}/models`;

  let res: Response;
  try {
    res = await doFetch(modelsUrl, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return networkFailure(err, modelsUrl, timeoutMs);
  }
  if (res.ok) {
    const ids = await modelIds(res);
    const listed = t.model && ids.length > 0 && !ids.includes(t.model);
    return {
      ok: true,
      detail: `${base} answered and accepted the key${ids.length ? ` (${ids.length} models)` : ''}${listed ? `; note: ${t.model} is not in its model list` : ''}`,
      models: ids,
    };
  }
  if (res.status === 401 || res.status === 403) return authFailure(res.status, await errorText(res));
  if (res.status !== 404 && res.status !== 405)
    return httpFailure(res.status, await errorText(res), modelsUrl);
  await res.body?.cancel();

  // No model list here (some OpenAI-compatible servers): try a one-token completion instead.
  const isAnthropic = t.provider === 'anthropic';
  const url = isAnthropic ? `${base}/v1/messages` : `${base}/chat/completions`;
  const body = { model: t.model ?? 'default', max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] };
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return networkFailure(err, url, timeoutMs);
  }
  if (res.ok) {
    await res.body?.cancel();
    return { ok: true, detail: `${base} answered a one-token request (it has no model list)` };
  }
  if (res.status === 401 || res.status === 403) return authFailure(res.status, await errorText(res));
  if (res.status === 404)
    return {
      ok: false,
      kind: 'not-found',
      detail: `nothing at ${base} (HTTP 404 for ${modelsUrl} and ${url})`,
      hint: isAnthropic
        ? "wrong base URL? Anthropic's base URL is the host root (https://api.anthropic.com), without /v1"
        : 'wrong base URL? OpenAI-compatible base URLs usually end in /v1 (https://api.openai.com/v1, http://localhost:11434/v1)',
    };
  return httpFailure(res.status, await errorText(res), url);
}

function authFailure(status: number, message: string): CheckResult {
  return {
    ok: false,
    kind: 'auth',
    detail: `the upstream rejected the key (HTTP ${status}${message ? `: ${message}` : ''})`,
    hint: 'check the API key (or that the variable named by --api-key-env holds the right one)',
  };
}

function httpFailure(status: number, message: string, url: string): CheckResult {
  return {
    ok: false,
    kind: 'http',
    detail: `HTTP ${status} from ${url}${message ? `: ${message}` : ''}`,
    hint:
      status >= 500 ? 'the upstream is failing; try again later' : 'check the base URL and the model name',
  };
}

export function networkFailure(err: unknown, url: string, timeoutMs: number): CheckResult {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? (e as NodeJS.ErrnoException).code;
  const host = safeHost(url);
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return {
      ok: false,
      kind: 'timeout',
      detail: `no answer from ${host} within ${Math.round(timeoutMs / 1000)} s`,
      hint: 'check the network (VPN, proxy, firewall) and that the server is up',
    };
  if (code === 'ECONNREFUSED')
    return {
      ok: false,
      kind: 'network',
      detail: `connection refused by ${host}: nothing is listening there`,
      hint: 'start the server (e.g. `ollama serve`) or fix the port in the base URL',
    };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return {
      ok: false,
      kind: 'network',
      detail: `cannot resolve ${host}`,
      hint: 'check the host name in the base URL, or your network / DNS connection',
    };
  return {
    ok: false,
    kind: 'network',
    detail: `cannot reach ${host}: ${e.cause?.message ?? e.message}${code ? ` (${code})` : ''}`,
    hint: 'check the base URL and your network connection',
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

async function modelIds(res: Response): Promise<string[]> {
  try {
    const body = (await res.json()) as { data?: { id?: unknown }[]; models?: { name?: unknown }[] };
    const list = body.data ?? [];
    return list.map((m) => m.id).filter((id): id is string => typeof id === 'string');
  } catch {
    return [];
  }
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message);
    if (m) return m.slice(0, 300);
  } catch {}
  return text.trim().slice(0, 200);
}
