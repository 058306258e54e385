import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminEventBus } from '../../../src/admin-api/event-bus.js';
import { SseHub } from '../../../src/admin-api/routes/events.js';

let server: http.Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = null;
});

async function serve(hub: SseHub): Promise<string> {
  server = http.createServer((_req, res) => hub.attach(res));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Resolves with everything read once `marker` has arrived. */
async function readUntil(body: ReadableStream<Uint8Array>, marker: string): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${marker}`);
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

describe('SseHub', () => {
  it('sends a ping comment on its interval and events as `event:`/`data:` frames', async () => {
    const bus = new AdminEventBus();
    const url = await serve(new SseHub(bus, 10));
    const res = await fetch(url);
    expect(await readUntil(res.body!, ': ping\n\n')).toContain(': connected\n\n');
    bus.publish('generation', { generation: 3, cause: 'rollback' });
    const text = await readUntil(res.body!, 'event: generation');
    expect(text).toContain('event: generation\ndata: {"generation":3,"cause":"rollback"}\n\n');
    await res.body!.cancel();
  });

  it('subscribes to the bus only while a client is connected', async () => {
    const bus = new AdminEventBus();
    const hub = new SseHub(bus);
    const url = await serve(hub);
    expect(bus.size).toBe(0);
    const a = await fetch(url);
    const b = await fetch(url);
    await Promise.all([readUntil(a.body!, ': connected'), readUntil(b.body!, ': connected')]);
    expect([hub.size, bus.size]).toEqual([2, 1]);
    await a.body!.cancel();
    await b.body!.cancel();
    // The server notices the closes on its own schedule: wait for the hub to let go.
    while (hub.size > 0) await new Promise((r) => setImmediate(r));
    expect(bus.size).toBe(0);
  });
});
