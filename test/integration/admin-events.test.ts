import net from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnSummary } from '../../src/admin-api/contract.js';
import { type FakeLlm, lastUserText, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

const KEY = 'events-key';
let fake: FakeLlm;
let proxy: TestProxy;

beforeAll(async () => {
  fake = await startFakeLlm({ responder: (req) => ({ text: `re: ${lastUserText(req)}` }) });
  proxy = await startProxy({ proxy: { api_key: KEY }, upstream: openaiUpstream(fake.url) });
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

const openai = () => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
const ask = (text: string) =>
  openai().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: text }] });

interface SseEvent {
  event: string;
  data: unknown;
}

/** A reading SSE client: `next(pred)` resolves with the first event (past or future) matching it. */
async function subscribe(query = `?key=${KEY}`, headers: Record<string, string> = {}) {
  const ctrl = new AbortController();
  const res = await fetch(`${proxy.url}/v1/admin/events${query}`, { headers, signal: ctrl.signal });
  const events: SseEvent[] = [];
  const waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  let ended: () => void = () => {};
  const done = new Promise<void>((r) => {
    ended = r;
  });
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let at = buf.indexOf('\n\n');
        for (; at >= 0; at = buf.indexOf('\n\n')) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!name || data === undefined) continue;
          const ev = { event: name, data: JSON.parse(data) };
          events.push(ev);
          for (const w of waiters.filter((x) => x.pred(ev))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(ev);
          }
        }
      }
    } catch {
      // aborted or reset: the stream is over either way
    }
    ended();
  })();
  return {
    res,
    done,
    close: () => ctrl.abort(),
    next: (pred: (e: SseEvent) => boolean) =>
      new Promise<SseEvent>((resolve) => {
        const seen = events.find(pred);
        if (seen) resolve(seen);
        else waiters.push({ pred, resolve });
      }),
  };
}

const turnAsking = (text: string) => (e: SseEvent) =>
  e.event === 'turn' && (e.data as TurnSummary).request_text === text;

describe('GET /v1/admin/events', () => {
  it('streams a turn event (a TurnSummary) for each recorded turn; ?key= works, no key is refused', async () => {
    expect((await fetch(`${proxy.url}/v1/admin/events`)).status).toBe(401);
    expect((await fetch(`${proxy.url}/v1/admin/events?key=wrong`)).status).toBe(401);
    const sub = await subscribe();
    expect(sub.res.status).toBe(200);
    expect(sub.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const byHeader = await subscribe('', { authorization: `Bearer ${KEY}` });
    expect(byHeader.res.status).toBe(200);
    const r = await ask('live please');
    const ev = (await sub.next(turnAsking('live please'))).data as TurnSummary;
    expect(ev).toMatchObject({
      kind: 'main',
      protocol: 'openai-chat',
      status: 'ok',
      answer: { text: r.choices[0]!.message.content, tool_calls: [] },
      judge: null,
      next_state_text: null,
    });
    expect(ev).not.toHaveProperty('request');
    expect(proxy.app.turns.get(ev.id)?.sessionId).toBe(ev.session_id);
    await byHeader.next(turnAsking('live please'));
    // Feedback (like a judge score) republishes the turn with it.
    const fb = await fetch(`${proxy.url}/v1/admin/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ turn_id: ev.id, score: -1, comment: 'wrong city' }),
    });
    expect(fb.status).toBe(200);
    const again = await sub.next((e) => e.event === 'turn' && (e.data as TurnSummary).feedback.length > 0);
    expect(again.data).toMatchObject({ id: ev.id, feedback: [{ score: -1, comment: 'wrong city' }] });
    // Other helpers' events go through the same bus.
    proxy.app.adminEvents.publish('generation', { generation: 7, cause: 'test' });
    expect((await sub.next((e) => e.event === 'generation')).data).toEqual({ generation: 7, cause: 'test' });
    sub.close();
    byHeader.close();
    await Promise.all([sub.done, byHeader.done]);
    // With no dashboard open, nothing listens on the bus (no work per turn).
    await eventually(() => proxy.app.adminEvents.size === 0);
  });

  it('a client that stops reading never blocks the proxy or other clients, and is told to resync', async () => {
    // A raw socket that sends the request and then reads nothing.
    const stuck = net.connect(Number(new URL(proxy.url).port), '127.0.0.1');
    stuck.pause();
    await new Promise<void>((r) => stuck.once('connect', () => r()));
    stuck.write(`GET /v1/admin/events?key=${KEY} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await eventually(() => proxy.app.adminEvents.size === 1);
    // Far more than socket buffers hold (a few MB on loopback): the socket pushes back, then the
    // client's backlog overflows.
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 512; i++)
      proxy.app.adminEvents.publish('alert', { kind: 'test', severity: 'warn', message: big, since: i });
    // The proxy still serves, and a reading client still gets the live turns.
    const healthy = await subscribe();
    const r = await ask('while one client is stuck');
    expect(r.choices[0]!.message.content).toBe('re: while one client is stuck');
    await healthy.next(turnAsking('while one client is stuck'));
    healthy.close();
    // Once the stuck client reads again: a resync saying how many events it lost.
    let text = '';
    const resync = new Promise<number>((resolve) => {
      stuck.on('data', (chunk: Buffer) => {
        // The resync follows whatever the buffers still held: search each chunk with the tail of
        // the previous one (a frame may straddle them), keep only that tail.
        const seen = text + chunk.toString('latin1');
        const m = /event: resync\ndata: (\{[^\n]*\})\n/.exec(seen);
        if (m) resolve((JSON.parse(m[1]!) as { dropped: number }).dropped);
        text = seen.slice(-256);
      });
    });
    stuck.resume();
    expect(await resync).toBeGreaterThan(0);
    stuck.destroy();
  });

  it('an open stream does not keep the service from stopping', async () => {
    const own = await startProxy({ proxy: { api_key: KEY }, upstream: openaiUpstream(fake.url) });
    const res = await fetch(`${own.url}/v1/admin/events?key=${KEY}`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
    const ended = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // reset by the server: ended too
      }
      return true;
    })();
    await own.close();
    expect(await ended).toBe(true);
  });
});
