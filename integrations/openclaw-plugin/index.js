/**
 * MetaClaw plugin for OpenClaw (written against OpenClaw 2026.9.x; plain JavaScript because
 * `openclaw plugins install <dir>` refuses a TypeScript entry without compiled output).
 *
 * - Every model call of the `metaclaw` provider carries `X-Session-Id` and `X-Turn-Type`
 *   (provider hook `wrapStreamFn`). The id is OpenClaw's `sessionId`, except after a reset: since
 *   2026.9 `/new` and `/reset` keep the `sessionId` (they only record a reset boundary), so the
 *   plugin then sends `<sessionId>~<stamp>` to start a new MetaClaw session. Calls without a
 *   session id in their options (compaction summaries and other housekeeping) are `side`.
 * - `before_reset` and `session_end` end the MetaClaw session (`POST /v1/admin/sessions/:id/end`),
 *   so its last turn is judged now. `session_end` for `shutdown`/`restart` does not: the
 *   conversation continues after the restart. A compaction that rotates the session id keeps the
 *   MetaClaw session (`session_end` reason `compaction`, `after_compaction.previousSessionId`).
 * - `agent_end` (the end of one agent run, i.e. one task) deliberately ends nothing: the user's
 *   next message may correct that run, and the judge needs it as the run's next state.
 * - `before_compaction` … `after_compaction`: calls are `side` meanwhile.
 *
 * None of these hooks needs `plugins.entries.metaclaw.hooks.allowConversationAccess`.
 * No dependencies: the file runs as is.
 */
import fs from 'node:fs';
import path from 'node:path';

export const PROVIDER_ID = 'metaclaw';
const STATE_KEY = Symbol.for('metaclaw.openclaw-plugin.state');
/** Remapped session ids kept in the state file (least recently changed are dropped). */
const MAX_REMAPPED = 2000;
/**
 * A failed or aborted compaction emits no `after_compaction`; after this long the session's
 * calls are main again instead of staying side for good.
 */
export const COMPACTION_MAX_MS = 10 * 60_000;

/**
 * Plugin config first; otherwise what `metaclaw integrate openclaw` wrote into
 * `models.providers.metaclaw`.
 * @param {{config?: any, pluginConfig?: Record<string, unknown>}} api
 * @returns {{proxyUrl: string | null, apiKey: string | null}}
 */
export function settingsFrom(api) {
  const own = api.pluginConfig ?? {};
  const provider = api.config?.models?.providers?.[PROVIDER_ID];
  const url = typeof own.proxyUrl === 'string' ? own.proxyUrl : provider?.baseUrl;
  const key = typeof own.apiKey === 'string' ? own.apiKey : provider?.apiKey;
  return {
    // The provider's base URL carries /v1 for openai-completions; the admin API is at the root.
    proxyUrl: typeof url === 'string' && url ? url.replace(/\/+$/, '').replace(/\/v1$/, '') : null,
    apiKey: typeof key === 'string' ? key : null,
  };
}

/**
 * OpenClaw session id → MetaClaw session id, plus what the current calls are. One instance per
 * process (OpenClaw may call `register` several times; all registrations share it).
 */
export class SessionState {
  /** @param {string | null} file JSON file keeping remapped ids across gateway restarts */
  constructor(file = null) {
    this.file = file;
    /** @type {Map<string, string>} OpenClaw id → MetaClaw id, only where they differ */
    this.ids = new Map();
    /** MetaClaw ids made by a reset that no call has used yet. */
    this.fresh = new Set();
    /** @type {Map<string, number>} OpenClaw ids being compacted → since when, most recent last */
    this.compacting = new Map();
    /** @type {string | null} OpenClaw id of the latest call that carried one */
    this.lastSession = null;
    this.load();
  }

  /** @param {string} ocId */
  current(ocId) {
    return this.ids.get(ocId) ?? ocId;
  }

  /**
   * A reset that keeps OpenClaw's session id: returns the MetaClaw id to end (null when the
   * current one was never used, e.g. `/new` twice in a row) and moves on to a fresh one.
   * @param {string} ocId
   */
  retire(ocId, now = Date.now()) {
    const cur = this.current(ocId);
    if (this.fresh.has(cur)) return null;
    let next = `${ocId}~${now.toString(36)}`;
    for (let n = 2; next === cur; n++) next = `${ocId}~${now.toString(36)}-${n}`;
    this.remap(ocId, next);
    this.fresh.add(next);
    return cur;
  }

  /**
   * A compaction that rotated OpenClaw's session id: the new id continues the same conversation.
   * @param {string} nextId
   * @param {string} prevId
   */
  alias(nextId, prevId) {
    if (!nextId || !prevId || nextId === prevId || this.ids.has(nextId)) return;
    this.remap(nextId, this.current(prevId));
  }

  /** @param {string} ocId */
  forget(ocId) {
    if (this.ids.delete(ocId)) this.save();
  }

  /** @param {string | undefined} ocId @param {boolean} on */
  setCompacting(ocId, on, now = Date.now()) {
    if (!ocId) return;
    this.compacting.delete(ocId);
    if (on) this.compacting.set(ocId, now);
  }

  /** OpenClaw ids still compacting (expired entries are dropped), most recent last. */
  compactingNow(now = Date.now()) {
    for (const [id, since] of this.compacting) if (now - since > COMPACTION_MAX_MS) this.compacting.delete(id);
    return [...this.compacting.keys()];
  }

  /**
   * Headers for one model call. OpenClaw's agent loop passes the session id in the stream
   * options; calls without one (compaction summaries, housekeeping) are side calls of the
   * session being compacted, else of the latest session.
   * @param {string | undefined} sessionId
   * @returns {Record<string, string>}
   */
  headersFor(sessionId, now = Date.now()) {
    const compacting = this.compactingNow(now);
    let ocId = sessionId;
    let side;
    if (ocId) {
      this.lastSession = ocId;
      side = compacting.includes(ocId);
    } else {
      ocId = compacting.at(-1) ?? this.lastSession ?? undefined;
      side = true;
    }
    const turn = { 'X-Turn-Type': side ? 'side' : 'main' };
    if (!ocId) return turn;
    const id = this.current(ocId);
    this.fresh.delete(id);
    return { 'X-Session-Id': id, ...turn };
  }

  /** @param {string} ocId @param {string} mcId */
  remap(ocId, mcId) {
    this.ids.delete(ocId);
    this.ids.set(ocId, mcId);
    for (const oldest of this.ids.keys()) {
      if (this.ids.size <= MAX_REMAPPED) break;
      this.ids.delete(oldest);
    }
    this.save();
  }

  load() {
    if (!this.file) return;
    try {
      const data = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      for (const [k, v] of Object.entries(data.ids ?? {})) if (typeof v === 'string') this.ids.set(k, v);
    } catch {}
  }

  save() {
    if (!this.file) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify({ version: 1, ids: Object.fromEntries(this.ids) })}\n`);
      fs.renameSync(tmp, this.file);
    } catch {}
  }
}

/**
 * Tell the proxy a session is over. Never throws: a proxy that is down costs a warning.
 * @param {{proxyUrl: string | null, apiKey: string | null}} s
 * @param {string | null | undefined} sessionId MetaClaw session id
 * @param {{warn(m: string): void}} log
 * @param {typeof fetch} doFetch
 */
export async function endSession(s, sessionId, log, doFetch = fetch) {
  if (!s.proxyUrl || !sessionId) return;
  try {
    const res = await doFetch(`${s.proxyUrl}/v1/admin/sessions/${encodeURIComponent(sessionId)}/end`, {
      method: 'POST',
      headers: s.apiKey ? { authorization: `Bearer ${s.apiKey}` } : {},
      signal: AbortSignal.timeout(5000),
    });
    // 404: the session never reached the proxy (e.g. /new before the first message).
    if (!res.ok && res.status !== 404) log.warn(`metaclaw: ending session ${sessionId} failed: HTTP ${res.status}`);
    await res.body?.cancel();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    log.warn(`metaclaw: cannot reach the MetaClaw proxy at ${s.proxyUrl}: ${why}`);
  }
}

/** @param {any} api */
function sharedState(api) {
  const g = /** @type {any} */ (globalThis);
  let file = null;
  try {
    const dir = api.runtime?.state?.resolveStateDir?.();
    if (typeof dir === 'string' && dir) file = path.join(dir, 'metaclaw', 'session-ids.json');
  } catch {}
  if (!g[STATE_KEY]) g[STATE_KEY] = new SessionState(file);
  else if (!g[STATE_KEY].file && file) {
    // An earlier registration could not say where OpenClaw keeps its state; this one can.
    g[STATE_KEY].file = file;
    g[STATE_KEY].load();
  }
  return g[STATE_KEY];
}

/** `session_end` reasons after which the conversation carries on (not an end of the session). */
const CONTINUES = new Set(['shutdown', 'restart']);
/** `session_end` reasons that start over in the same OpenClaw session id. */
const RESETS = new Set(['new', 'reset']);

/**
 * @param {any} api OpenClaw's plugin API (`registerProvider`, `on`, `config`, `pluginConfig`, `logger`)
 * @param {{fetch?: typeof fetch, state?: SessionState}} deps injected by tests
 */
export function register(api, deps = {}) {
  const doFetch = deps.fetch ?? fetch;
  const state = deps.state ?? sharedState(api);
  const settings = settingsFrom(api);
  const log = api.logger ?? console;
  if (!settings.proxyUrl)
    log.warn(
      'metaclaw: no proxy URL (run `metaclaw integrate openclaw`, or set plugins.entries.metaclaw.config.proxyUrl)',
    );
  const end = (/** @type {string | null | undefined} */ id) => endSession(settings, id, log, doFetch);

  api.registerProvider({
    id: PROVIDER_ID,
    label: 'MetaClaw',
    auth: [],
    wrapStreamFn: (/** @type {{streamFn?: Function}} */ ctx) => {
      const inner = ctx.streamFn;
      if (!inner) return undefined;
      return (/** @type {unknown} */ model, /** @type {unknown} */ context, /** @type {any} */ options) =>
        inner(model, context, {
          ...options,
          headers: { ...options?.headers, ...state.headersFor(options?.sessionId) },
        });
    },
  });

  // /new, /reset and the sessions.reset RPC; OpenClaw keeps the session id, so move to a new one.
  api.on('before_reset', (/** @type {any} */ _event, /** @type {any} */ ctx) => {
    if (ctx?.sessionId) return end(state.retire(ctx.sessionId));
  });

  api.on('session_end', (/** @type {any} */ event, /** @type {any} */ ctx) => {
    const ocId = event?.sessionId ?? ctx?.sessionId;
    if (!ocId) return;
    const reason = event?.reason;
    const next = event?.nextSessionId;
    if (reason === 'compaction') return state.alias(next, ocId);
    if (CONTINUES.has(reason)) return;
    if (RESETS.has(reason) && (!next || next === ocId)) return end(state.retire(ocId));
    const id = state.current(ocId);
    // A new OpenClaw id follows (daily/idle expiry, deletion): this one is done for good.
    if (next && next !== ocId) state.forget(ocId);
    return end(id);
  });

  api.on('before_compaction', (/** @type {any} */ _event, /** @type {any} */ ctx) => {
    state.setCompacting(ctx?.sessionId, true);
  });
  api.on('after_compaction', (/** @type {any} */ event, /** @type {any} */ ctx) => {
    state.setCompacting(ctx?.sessionId, false);
    if (event?.previousSessionId) {
      state.setCompacting(event.previousSessionId, false);
      state.alias(ctx?.sessionId, event.previousSessionId);
    }
  });
}

export default {
  id: 'metaclaw',
  name: 'MetaClaw',
  description: 'Session ids and session ends for the MetaClaw learning proxy',
  register: (/** @type {any} */ api) => register(api),
};
