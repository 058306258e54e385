// A reference point for bench:proxy, not a product part: the least a Node.js proxy can do with
// the same building blocks as MetaClaw (node:http server, undici keep-alive Agent). It reads the
// request, forwards it unchanged, and pipes the answer back: no validation, sessions, skills or
// recording. Prints `BARE_PROXY_URL <url>` when listening; exits when stdin closes or on SIGTERM.
//
//   node --import tsx bench/bare-proxy-child.ts --upstream http://127.0.0.1:PORT
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';

const { values } = parseArgs({ options: { upstream: { type: 'string' } } });
if (!values.upstream) throw new Error('--upstream URL is required');
const origin = new URL(values.upstream).origin;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256, pipelining: 1 });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    agent
      .request({
        origin,
        path: req.url ?? '/',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
        signal: abort.signal,
      })
      .then(async (up) => {
        const type = up.headers['content-type'];
        res.writeHead(up.statusCode, typeof type === 'string' ? { 'content-type': type } : {});
        for await (const chunk of up.body) res.write(chunk);
        res.end();
      })
      .catch((err: Error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: err.message } }));
      });
  });
});

const shutdown = () => {
  server.close();
  void agent.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`BARE_PROXY_URL http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
