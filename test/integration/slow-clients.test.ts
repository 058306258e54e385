import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/**
 * Issue 17 point 5, with real sockets: slow or silent clients cannot hold connections, the number
 * of connections is capped, unauthenticated bodies are not read, and a slow *response* still runs.
 */
let fake: FakeLlm;
let proxy: TestProxy;
const KEY = 'proxy-key';

beforeAll(async () => {
  // The upstream takes longer to answer than a client may take to send its request.
  fake = await startFakeLlm({ firstByteDelayMs: 1200 });
  proxy = await startProxy({
    upstream: openaiUpstream(fake.url),
    proxy: {
      api_key: KEY,
      headers_timeout_ms: 300,
      request_timeout_ms: 600,
      keep_alive_timeout_ms: 300,
      max_connections: 3,
    },
  });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

/** Open a raw socket; resolves with everything the server sent once it closes the connection. */
function connect(): Promise<{ socket: net.Socket; closed: Promise<string> }> {
  const { port } = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
    });
    const closed = new Promise<string>((r) => socket.on('close', () => r(got)));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Write `text` piece by piece until the socket closes. */
function dribble(socket: net.Socket, piece: string): void {
  const t = setInterval(() => {
    if (socket.destroyed || !socket.writable) clearInterval(t);
    else socket.write(piece);
  }, 50);
  socket.on('close', () => clearInterval(t));
}

describe('slow and hostile clients', () => {
  it('closes a connection that never sends anything', async () => {
    const { closed } = await connect();
    await closed;
  });

  it('closes a slowloris connection whose headers never end, with a 408', async () => {
    const { socket, closed } = await connect();
    socket.write(`POST /v1/messages HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEY}\r\n`);
    dribble(socket, 'x-pad: y\r\n');
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection whose body never ends, with a 408', async () => {
    const { socket, closed } = await connect();
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEY}\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{"model":"m","messages":[`,
    );
    dribble(socket, ' ');
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers an unauthenticated request with 401 and closes without reading its body', async () => {
    const { socket, closed } = await connect();
    socket.write(
      'POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n{',
    );
    const got = await closed;
    expect(got).toMatch(/^HTTP\/1\.1 401/);
    expect(got).toMatch(/"authentication_error"/);
  });

  it('closes an idle keep-alive connection', async () => {
    const { socket, closed } = await connect();
    socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(await closed).toMatch(/^HTTP\/1\.1 200/);
  });

  it('answers a bad Content-Length with a 400 in the protocol shape', async () => {
    const { socket, closed } = await connect();
    socket.write('POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: nope\r\n\r\n');
    const got = await closed;
    expect(got).toMatch(/^HTTP\/1\.1 400/);
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
  });

  it('refuses connections past proxy.max_connections', async () => {
    const held = await Promise.all([connect(), connect(), connect()]);
    for (const h of held) h.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n');
    const extra = await connect();
    extra.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(await extra.closed).toBe('');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
  });

  it('lets a response run longer than the request timeouts once the request is in', async () => {
    const r = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ object: 'chat.completion' });
  });
});
