import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, {
  COMPACTION_MAX_MS,
  type HookHandler,
  type PluginApi,
  register,
  SessionState,
  type StreamFn,
  settingsFrom,
} from '../../../integrations/openclaw-plugin/index.js';
import { type FakeLlm, startFakeLlm } from '../../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy, tempHome } from '../../helpers/proxy.js';

// A stand-in for OpenClaw's plugin host (2026.9.x): it records what the plugin registers, and its
// "stream function" calls the proxy the way OpenClaw's anthropic-messages transport does, with
// the headers the provider's wrapStreamFn put into the stream options.

let fake: FakeLlm;
let proxy: TestProxy;
beforeAll(async () => {
  fake = await startFakeLlm();
  proxy = await startProxy({ upstream: openaiUpstream(fake.url), proxy: { api_key: 'pk' } });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

function host(baseUrl: string, state = new SessionState()) {
  const hooks = new Map<string, HookHandler>();
  let wrap: Parameters<PluginApi['registerProvider']>[0]['wrapStreamFn'];
  let providerId = '';
  const warnings: string[] = [];
  const api: PluginApi = {
    config: { models: { providers: { metaclaw: { baseUrl, apiKey: 'pk' } } } },
    logger: { info: () => {}, warn: (m) => warnings.push(m) },
    registerProvider: (p) => {
      providerId = p.id;
      wrap = p.wrapStreamFn;
    },
    on: (name, h) => hooks.set(name, h),
  };
  register(api, { state });
  const sent: Record<string, string>[] = [];
  const streamFn: StreamFn = async (_m, _c, options) => {
    const headers = (options?.headers ?? {}) as Record<string, string>;
    sent.push(headers);
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'pk', ...headers },
      body: JSON.stringify({
        model: 'm',
        max_tokens: 32,
        messages: [{ role: 'user', content: `hi ${sent.length}` }],
      }),
    });
    await res.text();
    return res.headers.get('x-metaclaw-turn-id');
  };
  const wrapped = wrap!({ streamFn, provider: 'metaclaw', modelId: 'm' }) as (
    m: unknown,
    c: unknown,
    o?: Record<string, unknown>,
  ) => Promise<string | null>;
  const call = (o: Record<string, unknown> = {}) => wrapped({}, {}, { ...o, headers: { 'x-keep': '1' } });
  const fire = async (name: string, event: Record<string, unknown>, ctx: Record<string, unknown> = {}) => {
    const h = hooks.get(name);
    if (!h) throw new Error(`no ${name} hook registered`);
    await h(event, ctx);
  };
  return { hooks, call, fire, sent, warnings, state, providerId: () => providerId };
}

const turn = (id: string | null) => proxy.app.turns.get(id!)!;
const session = (id: string) => proxy.app.sessions.get(id);
let n = 0;
const sid = (tag: string) => `oc-${tag}-${process.pid}-${++n}`;

describe('OpenClaw plugin', () => {
  it('derives the proxy root and key from the provider entry (dropping /v1); plugin config wins', () => {
    expect(
      settingsFrom({
        config: { models: { providers: { metaclaw: { baseUrl: 'http://h:1/v1/', apiKey: 'k' } } } },
      }),
    ).toEqual({ proxyUrl: 'http://h:1', apiKey: 'k' });
    expect(
      settingsFrom({ config: {}, pluginConfig: { proxyUrl: 'http://x', endSessionOnAgentEnd: false } }),
    ).toEqual({ proxyUrl: 'http://x', apiKey: null });
  });

  it('registers the metaclaw provider and only ungated hooks: no agent_end, no llm_input', () => {
    const h = host(proxy.url);
    expect(h.providerId()).toBe('metaclaw');
    expect([...h.hooks.keys()].sort()).toEqual([
      'after_compaction',
      'before_compaction',
      'before_reset',
      'session_end',
    ]);
    expect(plugin.id).toBe('metaclaw');
  });

  it('every call carries the session id; compaction calls (with or without a session id) are side', async () => {
    const h = host(proxy.url);
    const id = sid('tags');
    const main = await h.call({ sessionId: id });
    await h.fire('before_compaction', { messageCount: 6 }, { sessionId: id });
    // OpenClaw's compaction summary call passes no sessionId in its stream options.
    const summary = await h.call({ maxTokens: 100 });
    await h.fire('after_compaction', { messageCount: 2, compactedCount: 4 }, { sessionId: id });
    const after = await h.call({ sessionId: id });
    expect(h.sent.map((s) => [s['X-Session-Id'], s['X-Turn-Type'], s['x-keep']])).toEqual([
      [id, 'main', '1'],
      [id, 'side', '1'],
      [id, 'main', '1'],
    ]);
    expect(turn(main)).toMatchObject({ sessionId: id, kind: 'main' });
    expect(turn(summary)).toMatchObject({ sessionId: id, kind: 'side' });
    expect(turn(after)).toMatchObject({ sessionId: id, kind: 'main' });
    expect(h.warnings).toEqual([]);
  });

  it('the end of an agent run ends nothing: the follow-up lands in the same open session', async () => {
    const h = host(proxy.url);
    const id = sid('task');
    await h.call({ sessionId: id });
    // OpenClaw fires agent_end here; the plugin does not listen to it.
    expect(h.hooks.has('agent_end')).toBe(false);
    const followUp = await h.call({ sessionId: id });
    expect(turn(followUp).sessionId).toBe(id);
    expect(session(id)).toMatchObject({ endedAt: null, turnCount: 2 });
  });

  it('/new keeps OpenClaw’s session id: the session ends once and the next calls start a new one', async () => {
    const h = host(`${proxy.url}/v1`);
    const id = sid('reset');
    await h.call({ sessionId: id });
    // OpenClaw 2026.9 on /new: before_reset, then session_end(reason new, nextSessionId = same id).
    await h.fire('before_reset', { reason: 'new' }, { sessionId: id });
    await h.fire('session_end', { sessionId: id, reason: 'new', nextSessionId: id }, { sessionId: id });
    expect(session(id)).toMatchObject({ endReason: 'explicit' });
    const next = await h.call({ sessionId: id });
    const nextId = turn(next).sessionId;
    expect(nextId).toMatch(new RegExp(`^${id}~[0-9a-z]+$`));
    expect(session(nextId)).toMatchObject({ endedAt: null, turnCount: 1 });

    // /reset twice with no call in between: nothing new to end, the id stays.
    await h.fire('before_reset', { reason: 'reset' }, { sessionId: id });
    const afterReset = h.state.current(id);
    expect(session(nextId)!.endReason).toBe('explicit');
    await h.fire('before_reset', { reason: 'reset' }, { sessionId: id });
    expect(h.state.current(id)).toBe(afterReset);
    // A reset before the first message: the proxy never saw the session (404), not an error.
    await h.fire('before_reset', {}, { sessionId: 'never-called-the-proxy' });
    expect(h.warnings).toEqual([]);
  });

  it('session_end: shutdown/restart keep the session; idle/daily/deleted end it; a rotating compaction continues it', async () => {
    const h = host(proxy.url);
    const a = sid('shutdown');
    await h.call({ sessionId: a });
    await h.fire('session_end', { sessionId: a, reason: 'shutdown', messageCount: 2 }, { sessionId: a });
    await h.fire('session_end', { sessionId: a, reason: 'restart', messageCount: 2 }, { sessionId: a });
    expect(session(a)!.endedAt).toBeNull();

    const b = sid('idle');
    const b2 = sid('idle-next');
    await h.call({ sessionId: b });
    await h.fire('session_end', { sessionId: b, reason: 'idle', nextSessionId: b2 }, { sessionId: b });
    expect(session(b)!.endReason).toBe('explicit');
    expect(turn(await h.call({ sessionId: b2 })).sessionId).toBe(b2);

    const c = sid('rotate');
    const c2 = sid('rotated');
    await h.call({ sessionId: c });
    await h.fire('session_end', { sessionId: c, reason: 'compaction', nextSessionId: c2 }, { sessionId: c });
    expect(session(c)!.endedAt).toBeNull();
    expect(turn(await h.call({ sessionId: c2 })).sessionId).toBe(c);
    // after_compaction.previousSessionId says the same for engines that only report it there.
    const d = sid('rotate-b');
    const d2 = sid('rotated-b');
    await h.call({ sessionId: d });
    await h.fire('after_compaction', { previousSessionId: d, compactedCount: 3 }, { sessionId: d2 });
    expect(turn(await h.call({ sessionId: d2 })).sessionId).toBe(d);
    expect(h.warnings).toEqual([]);
  });

  it('a compaction that never reports its end (failed, aborted) stops making calls side after a while', () => {
    const s = new SessionState();
    s.setCompacting('oc-stuck', true, 1_000);
    expect(s.headersFor('oc-stuck', 2_000)['X-Turn-Type']).toBe('side');
    expect(s.headersFor('oc-stuck', 1_000 + COMPACTION_MAX_MS + 1)['X-Turn-Type']).toBe('main');
    expect(s.compacting.size).toBe(0);
  });

  it('remapped ids survive a gateway restart (state file); registrations in one process share state', () => {
    const file = path.join(tempHome('metaclaw-plugin-'), 'metaclaw', 'session-ids.json');
    const s1 = new SessionState(file);
    s1.headersFor('oc-1');
    const ended = s1.retire('oc-1', 1_000);
    expect(ended).toBe('oc-1');
    expect(s1.current('oc-1')).toBe(`oc-1~${(1_000).toString(36)}`);
    const s2 = new SessionState(file);
    expect(s2.current('oc-1')).toBe(s1.current('oc-1'));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ version: 1 });

    // OpenClaw calls register() more than once per process; the provider of one registration
    // and the hooks of another must see the same sessions.
    const wrappers: StreamFn[] = [];
    const hooks: Map<string, HookHandler>[] = [];
    const sent: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const mine = new Map<string, HookHandler>();
      hooks.push(mine);
      plugin.register({
        config: {},
        pluginConfig: { proxyUrl: 'http://127.0.0.1:9' },
        logger: { info: () => {}, warn: () => {} },
        registerProvider: (p) => {
          wrappers.push(p.wrapStreamFn!({ streamFn: (_m, _c, o) => sent.push(o?.headers) })!);
        },
        on: (name, h) => mine.set(name, h),
      });
    }
    const shared = `shared-${process.pid}`;
    void hooks[1]!.get('before_compaction')!({}, { sessionId: shared });
    wrappers[0]!({}, {}, { sessionId: shared });
    expect(sent).toEqual([{ 'X-Session-Id': shared, 'X-Turn-Type': 'side' }]);
  });

  it('a proxy that is down only produces a warning', async () => {
    const h = host('http://127.0.0.1:9');
    h.state.headersFor('s');
    await h.fire('session_end', { sessionId: 's', reason: 'deleted' });
    expect(h.warnings[0]).toMatch(/cannot reach the MetaClaw proxy/);
  });
});
