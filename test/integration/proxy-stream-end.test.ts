import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

// An upstream that sends a complete stream, [DONE] included, and then holds its body open, as a
// slow or sloppy server may: the client's stream must still end at [DONE], recorded.
let upstream: http.Server;
let proxy: TestProxy;
let upstreamBodiesClosed = 0;

const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    res.on('close', () => upstreamBodiesClosed++);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ role: 'assistant', content: '' }));
    res.write(chunk({ content: 'all ' }));
    res.write(chunk({ content: 'done' }));
    res.write(chunk({}, 'stop'));
    res.write('data: [DONE]\n\n');
    // …and never res.end().
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  proxy = await startProxy({ upstream: openaiUpstream(url) });
});
afterAll(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  upstream.close();
});

describe('stream end', () => {
  it('ends the client stream at the terminal event, records it, and lets the upstream go', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .withResponse();
    let text = '';
    for await (const c of data) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('all done');
    // Ended by the terminal event, not by the cut-off: the upstream body is still open now.
    expect(upstreamBodiesClosed).toBe(0);

    const turn = proxy.app.turns.get(response.headers.get('x-metaclaw-turn-id')!)!;
    expect(turn.status).toBe('ok');
    expect(JSON.parse(turn.responseJson!).choices[0].message.content).toBe('all done');
    // An upstream that never closes its body is cut off a second after the terminal event.
    const deadline = Date.now() + 3000;
    while (upstreamBodiesClosed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(upstreamBodiesClosed).toBe(1);
  });
});
