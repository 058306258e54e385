import fs from 'node:fs';
import JSON5 from 'json5';
import { parse as parseToml } from 'smol-toml';
import { claudeSettingsFile } from './claude-code.js';
import { codexConfigFile } from './codex.js';
import { CODEX_ENV_KEY } from './codex-toml.js';
import { openclawConfigFile, PROVIDER_ID } from './openclaw.js';
import type { AgentId } from './types.js';

/** Where a wired agent sends its requests, read back from its own config file. */
export interface AgentEndpoint {
  /** Proxy root (no `/v1`). */
  url: string;
  /** The key it presents; undefined when it is not in the file (Codex reads it from its environment). */
  key?: string;
  /** Where the key comes from, for messages. */
  keySource: string;
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function dig(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur ?? null;
}

const root = (url: string) => url.replace(/\/+$/, '').replace(/\/v1$/, '');

/** The agent's URL and key as its file holds them now; null when they cannot be read. */
export function wiredEndpoint(
  agent: AgentId,
  userHome: string,
  env: NodeJS.ProcessEnv = process.env,
): AgentEndpoint | null {
  try {
    if (agent === 'claude-code') {
      const file = claudeSettingsFile(userHome);
      const text = read(file);
      const vars = text ? (JSON.parse(text) as { env?: Record<string, unknown> }).env : undefined;
      const url = vars?.ANTHROPIC_BASE_URL;
      if (typeof url !== 'string') return null;
      const key = vars?.ANTHROPIC_AUTH_TOKEN ?? vars?.ANTHROPIC_API_KEY;
      return { url: root(url), key: typeof key === 'string' ? key : undefined, keySource: file };
    }
    if (agent === 'openclaw') {
      const file = openclawConfigFile(userHome);
      const text = read(file);
      const p = dig(text ? JSON5.parse(text) : null, ['models', 'providers', PROVIDER_ID]) as {
        baseUrl?: unknown;
        apiKey?: unknown;
      } | null;
      if (typeof p?.baseUrl !== 'string') return null;
      return {
        url: root(p.baseUrl),
        key: typeof p.apiKey === 'string' ? p.apiKey : undefined,
        keySource: file,
      };
    }
    if (agent === 'codex') {
      const text = read(codexConfigFile(userHome));
      const url = dig(text ? parseToml(text) : null, ['model_providers', 'metaclaw', 'base_url']);
      if (typeof url !== 'string') return null;
      return { url: root(url), key: env[CODEX_ENV_KEY], keySource: `$${CODEX_ENV_KEY}` };
    }
  } catch {
    return null;
  }
  return null;
}

export type EndpointCheck =
  | { ok: true; detail: string }
  | { ok: false; detail: string; reason: 'unreachable' | 'other-service' | 'key' };

/**
 * Does the agent's URL reach the running service, and does its key pass? A real request: the
 * health route must answer with the service's own pid, and an authenticated admin route must
 * not answer 401.
 */
export async function checkEndpoint(
  ep: AgentEndpoint,
  service: { url: string },
  timeoutMs = 3000,
): Promise<EndpointCheck> {
  const sameUrl = normalise(ep.url) === normalise(service.url);
  let health: Response;
  try {
    health = await fetch(`${ep.url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await health.body?.cancel();
  } catch {
    return {
      ok: false,
      reason: 'unreachable',
      detail: `points at ${ep.url}, where nothing answers (the service is at ${service.url})`,
    };
  }
  if (!sameUrl && !health.ok)
    return {
      ok: false,
      reason: 'other-service',
      detail: `points at ${ep.url}, but the service is at ${service.url}`,
    };
  const headers: Record<string, string> = {};
  if (ep.key !== undefined) headers.authorization = `Bearer ${ep.key}`;
  let res: Response;
  try {
    res = await fetch(`${ep.url}/v1/admin/sessions?limit=1`, {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
  } catch {
    return { ok: false, reason: 'unreachable', detail: `${ep.url} stopped answering` };
  }
  if (res.status === 401)
    return {
      ok: false,
      reason: 'key',
      detail: `the key in ${ep.keySource} is ${ep.key === undefined ? 'missing' : 'not proxy.api_key'}: the service answers 401`,
    };
  if (!sameUrl)
    return {
      ok: false,
      reason: 'other-service',
      detail: `points at ${ep.url}, but this service is at ${service.url}`,
    };
  return { ok: true, detail: `reaches the service at ${ep.url} and its key is accepted` };
}

function normalise(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname;
    return `${host}:${u.port}`;
  } catch {
    return url;
  }
}
