/**
 * MetaClaw plugin for OpenClaw.
 *
 * - Model calls to the `metaclaw` provider carry `X-Session-Id` (OpenClaw's session id, which
 *   OpenClaw regenerates on /new and /reset) and `X-Turn-Type` (`side` while OpenClaw compacts
 *   a conversation, else `main`), so the proxy groups turns exactly and skips housekeeping.
 * - When a run ends (`agent_end`), a conversation is cleared (`before_reset`: /new, /reset) or
 *   OpenClaw ends a session (`session_end`), the proxy is told through
 *   `POST {proxy}/v1/admin/sessions/:id/end`, so the session is judged now instead of after
 *   the proxy's idle timeout.
 *
 * The types below are the small part of OpenClaw's plugin API this file uses (see OpenClaw's
 * src/plugins/types.ts); the package depends on nothing so OpenClaw can load it as is.
 */

type Headers = Record<string, string>;
interface StreamOptions {
  sessionId?: string;
  headers?: Headers;
  [key: string]: unknown;
}
type StreamFn = (model: unknown, context: unknown, options?: StreamOptions) => unknown;

interface AgentContext {
  sessionId?: string;
  sessionKey?: string;
}

export interface PluginApi {
  config: { models?: { providers?: Record<string, { baseUrl?: string; apiKey?: unknown }> } } & Record<
    string,
    unknown
  >;
  pluginConfig?: Record<string, unknown>;
  logger: { info(m: string): void; warn(m: string): void };
  registerProvider(provider: {
    id: string;
    label: string;
    auth: unknown[];
    wrapStreamFn?: (ctx: {
      streamFn?: StreamFn;
      provider: string;
      modelId: string;
    }) => StreamFn | null | undefined;
  }): void;
  on(hook: string, handler: (event: Record<string, unknown>, ctx: AgentContext) => unknown): void;
}

export const PROVIDER_ID = 'metaclaw';

export interface PluginSettings {
  proxyUrl: string | null;
  apiKey: string | null;
  endSessionOnAgentEnd: boolean;
}

/** Plugin config first; otherwise what `metaclaw integrate openclaw` wrote into models.providers. */
export function settingsFrom(api: Pick<PluginApi, 'config' | 'pluginConfig'>): PluginSettings {
  const own = api.pluginConfig ?? {};
  const provider = api.config.models?.providers?.[PROVIDER_ID];
  const url = typeof own.proxyUrl === 'string' ? own.proxyUrl : provider?.baseUrl;
  const key = typeof own.apiKey === 'string' ? own.apiKey : provider?.apiKey;
  return {
    // The provider's base URL carries /v1 for openai-completions; the admin API is at the root.
    proxyUrl: url ? url.replace(/\/+$/, '').replace(/\/v1$/, '') : null,
    apiKey: typeof key === 'string' ? key : null,
    endSessionOnAgentEnd: own.endSessionOnAgentEnd !== false,
  };
}

/** Per-process view of OpenClaw sessions: which one is running, and which are compacting. */
export class SessionTags {
  private lastSession: string | null = null;
  private readonly compacting = new Set<string>();

  noteRun(sessionId: string | undefined): void {
    if (sessionId) this.lastSession = sessionId;
  }

  setCompacting(sessionId: string | undefined, on: boolean): void {
    if (!sessionId) return;
    if (on) this.compacting.add(sessionId);
    else this.compacting.delete(sessionId);
  }

  /**
   * Headers for one model call. The stream options carry the session id when OpenClaw passes
   * it; otherwise the session of the latest `llm_input` is the best available guess.
   */
  headersFor(sessionId: string | undefined): Headers {
    const id = sessionId ?? this.lastSession;
    if (!id) return {};
    return { 'X-Session-Id': id, 'X-Turn-Type': this.compacting.has(id) ? 'side' : 'main' };
  }
}

export async function endSession(
  s: PluginSettings,
  sessionId: string | undefined,
  log: PluginApi['logger'],
  doFetch: typeof fetch = fetch,
): Promise<void> {
  if (!s.proxyUrl || !sessionId) return;
  try {
    const res = await doFetch(`${s.proxyUrl}/v1/admin/sessions/${encodeURIComponent(sessionId)}/end`, {
      method: 'POST',
      headers: s.apiKey ? { authorization: `Bearer ${s.apiKey}` } : {},
      signal: AbortSignal.timeout(5000),
    });
    // 404: the session never reached the proxy (e.g. /new before the first message).
    if (!res.ok && res.status !== 404)
      log.warn(`metaclaw: ending session ${sessionId} failed: HTTP ${res.status}`);
    await res.body?.cancel();
  } catch (err) {
    log.warn(`metaclaw: cannot reach the MetaClaw proxy at ${s.proxyUrl}: ${(err as Error).message}`);
  }
}

export function register(api: PluginApi, doFetch: typeof fetch = fetch): void {
  const settings = settingsFrom(api);
  const tags = new SessionTags();
  if (!settings.proxyUrl)
    api.logger.warn(
      'metaclaw: no proxy URL (run `metaclaw integrate openclaw`, or set plugins.entries.metaclaw.config.proxyUrl)',
    );

  api.registerProvider({
    id: PROVIDER_ID,
    label: 'MetaClaw',
    auth: [],
    wrapStreamFn: ({ streamFn }) => {
      if (!streamFn) return undefined;
      const inner = streamFn;
      return (model, context, options) =>
        inner(model, context, {
          ...options,
          headers: { ...options?.headers, ...tags.headersFor(options?.sessionId) },
        });
    },
  });

  api.on('llm_input', (event, ctx) => {
    tags.noteRun((event.sessionId as string | undefined) ?? ctx.sessionId);
  });
  api.on('before_compaction', (_e, ctx) => tags.setCompacting(ctx.sessionId, true));
  api.on('after_compaction', (_e, ctx) => tags.setCompacting(ctx.sessionId, false));
  api.on('agent_end', (_e, ctx) =>
    settings.endSessionOnAgentEnd ? endSession(settings, ctx.sessionId, api.logger, doFetch) : undefined,
  );
  api.on('before_reset', (_e, ctx) => endSession(settings, ctx.sessionId, api.logger, doFetch));
  api.on('session_end', (event, ctx) =>
    endSession(settings, (event.sessionId as string | undefined) ?? ctx.sessionId, api.logger, doFetch),
  );
}

export default {
  id: 'metaclaw',
  name: 'MetaClaw',
  description: 'Session tagging and session ends for the MetaClaw learning proxy',
  register: (api: PluginApi) => register(api),
};
