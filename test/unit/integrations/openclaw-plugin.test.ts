import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { type PluginApi, settingsFrom } from '../../../integrations/openclaw-plugin/index.js';
import { type FakeLlm, startFakeLlm } from '../../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy } from '../../helpers/proxy.js';

// A stand-in for OpenClaw's plugin host: it records what the plugin registers, and a "stream
// function" that calls the proxy the way OpenClaw's anthropic-messages transport would.
type Handler = (event: Record<string, unknown>, ctx: { sessionId?: string }) => unknown;

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

function host(baseUrl: string) {
  const hooks = new Map<string, Handler>();
  let wrap: ((ctx: { streamFn?: unknown; provider: string; modelId: string }) => unknown) | undefined;
  const warnings: string[] = [];
  const api: PluginApi = {
    config: { models: { providers: { metaclaw: { baseUrl, apiKey: 'pk' } } } },
    logger: { info: () => {}, warn: (m) => warnings.push(m) },
    registerProvider: (p) => {
      wrap = p.wrapStreamFn as typeof wrap;
    },
    on: (name, h) => hooks.set(name, h as Handler),
  };
  plugin.register(api);
  const streamFn = async (
    _m: unknown,
    _c: unknown,
    options?: { headers?: Record<string, string>; sessionId?: string },
  ) => {
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'pk', ...options?.headers },
      body: JSON.stringify({ model: 'm', max_tokens: 32, messages: [{ role: 'user', content: 'hi there' }] }),
    });
    return res.headers.get('x-metaclaw-turn-id');
  };
  const wrapped = wrap!({ streamFn, provider: 'metaclaw', modelId: 'm' }) as typeof streamFn;
  return { hooks, wrapped, warnings };
}

describe('OpenClaw plugin', () => {
  it('derives the proxy root and key from the provider entry (dropping /v1)', () => {
    expect(
      settingsFrom({
        config: { models: { providers: { metaclaw: { baseUrl: 'http://h:1/v1/', apiKey: 'k' } } } },
      }),
    ).toEqual({ proxyUrl: 'http://h:1', apiKey: 'k', endSessionOnAgentEnd: true });
    expect(
      settingsFrom({ config: {}, pluginConfig: { proxyUrl: 'http://x', endSessionOnAgentEnd: false } }),
    ).toMatchObject({
      proxyUrl: 'http://x',
      apiKey: null,
      endSessionOnAgentEnd: false,
    });
  });

  it('tags calls with the session id and turn type, and ends the session on agent_end', async () => {
    const { hooks, wrapped, warnings } = host(proxy.url);
    const sid = `oc-${Date.now()}`;
    const main = await wrapped({}, {}, { sessionId: sid });
    await hooks.get('before_compaction')!({}, { sessionId: sid });
    const side = await wrapped({}, {}, { sessionId: sid });
    await hooks.get('after_compaction')!({}, { sessionId: sid });
    expect(proxy.app.turns.get(main!)).toMatchObject({ sessionId: sid, kind: 'main' });
    expect(proxy.app.turns.get(side!)).toMatchObject({ sessionId: sid, kind: 'side' });

    await hooks.get('agent_end')!({ messages: [], success: true }, { sessionId: sid });
    expect(proxy.app.sessions.get(sid)).toMatchObject({ endReason: 'explicit' });
    expect(warnings).toEqual([]);
  });

  it('falls back to the session of the latest llm_input; /new ends it; an unknown session is not an error', async () => {
    const { hooks, wrapped, warnings } = host(`${proxy.url}/v1`);
    const sid = `oc-reset-${Date.now()}`;
    await hooks.get('llm_input')!({ sessionId: sid, runId: 'r1' }, {});
    const turn = await wrapped({}, {}, {});
    expect(proxy.app.turns.get(turn!)!.sessionId).toBe(sid);
    await hooks.get('before_reset')!({ reason: 'new' }, { sessionId: sid });
    expect(proxy.app.sessions.get(sid)!.endReason).toBe('explicit');
    await hooks.get('before_reset')!({}, { sessionId: 'never-called-the-proxy' });
    expect(warnings).toEqual([]);
  });

  it('a proxy that is down only produces a warning', async () => {
    const { hooks, warnings } = host('http://127.0.0.1:9');
    await hooks.get('agent_end')!({}, { sessionId: 's' });
    expect(warnings[0]).toMatch(/cannot reach the MetaClaw proxy/);
  });
});
