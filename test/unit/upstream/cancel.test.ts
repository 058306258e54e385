import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Cancellation, toAbortSignal } from '../../../src/upstream/cancel.js';
import { sleep } from '../../../src/upstream/retry.js';
import { Agent } from '../../../src/upstream/undici-core.js';

describe('Cancellation', () => {
  it('calls each listener once, not removed ones, and none added after it fired', () => {
    const c = new Cancellation();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    c.addEventListener('abort', a);
    c.addEventListener('abort', b);
    c.removeEventListener('abort', b);
    const reason = new Error('client disconnected');
    c.abort(reason);
    c.abort(new Error('again'));
    c.addEventListener('abort', () => calls.push('late'));
    expect(calls).toEqual(['a']);
    expect(c.aborted).toBe(true);
    expect(c.reason).toBe(reason);
  });

  it('bridges to a real AbortSignal, before or after it fires', () => {
    const before = new Cancellation();
    const signal = toAbortSignal(before);
    expect(signal.aborted).toBe(false);
    before.abort(new Error('gone'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('gone');

    const after = new Cancellation();
    after.abort(new Error('already'));
    expect(toAbortSignal(after).aborted).toBe(true);
    const native = new AbortController().signal;
    expect(toAbortSignal(native)).toBe(native);
  });

  it('cuts a retry wait short', async () => {
    const c = new Cancellation();
    const t0 = Date.now();
    const waiting = sleep(5_000, c);
    setTimeout(() => c.abort(new Error('stop')), 20);
    await expect(waiting).rejects.toThrow('stop');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('cancels an undici request still waiting for its response headers', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => {
      upstreamClosed = r;
    });
    const server = http.createServer((req) => req.on('close', upstreamClosed)); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const agent = new Agent();
    try {
      const c = new Cancellation();
      const request = agent.request({
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        path: '/',
        method: 'GET',
        signal: c,
      });
      setTimeout(() => c.abort(new Error('client disconnected')), 50);
      await expect(request).rejects.toThrow('client disconnected');
      await closed; // the upstream saw its connection go
    } finally {
      await agent.close();
      server.close();
    }
  });
});
