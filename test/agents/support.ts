import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { type AgentSet, installedAgents, setDir } from './install.js';

const run = promisify(execFile);
export const BIN = path.resolve('bin/metaclaw.js');

/**
 * The real agents, installed at pinned versions into the agent cache by the test:agents global setup
 * (or `npm run agents:install`), not from the project's node_modules.
 */
export function agents(): AgentSet {
  const set = installedAgents();
  if (!set) throw new Error(`the test agents are not installed in ${setDir()}: run npm run agents:install`);
  return set;
}

/** The real CLI (compiled dist/) with a temporary HOME; MetaClaw's home is `$HOME/.metaclaw`. */
export async function metaclaw(home: string, args: string[]) {
  try {
    const r = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: home, METACLAW_HOME: path.join(home, '.metaclaw') },
      timeout: 30_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Like metaclaw() but throws with the CLI's output when it fails. */
export async function metaclawOk(home: string, args: string[]): Promise<string> {
  const r = await metaclaw(home, args);
  if (r.code !== 0) throw new Error(`metaclaw ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface TappedRequest {
  method: string;
  /** Absolute URL as the agent asked for it (forward-proxy form), or `CONNECT host:port`. */
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
  /** The request body as text (agents send JSON). */
  body: string;
  status: number | null;
}

export interface Tap {
  /** `http://127.0.0.1:PORT`: set as HTTP_PROXY / HTTPS_PROXY for the agent. */
  url: string;
  requests: TappedRequest[];
  /** Requests and CONNECT attempts to anything but the allowed origin; refused. */
  refused: string[];
  close(): Promise<void>;
}

/**
 * A forward HTTP proxy the agent is pointed at through HTTP_PROXY/HTTPS_PROXY. It forwards plain
 * http requests to `allowOrigin` (the MetaClaw proxy) and refuses everything else, so the test
 * sees exactly what the agent sent (method, path, query, headers) and that it called nothing
 * beyond the proxy — without changing the base URL the wiring wrote. Clients that tunnel every
 * request (undici's ProxyAgent, used by OpenClaw, sends `CONNECT` even for http:// URLs) may
 * `CONNECT` to `allowOrigin`'s host:port: the tunnel carries plain http, which is read and
 * forwarded the same way; a `CONNECT` anywhere else is refused.
 */
export async function startTap(allowOrigin: string): Promise<Tap> {
  const requests: TappedRequest[] = [];
  const refused: string[] = [];
  const sockets = new Set<net.Socket>();
  const tunnels = new WeakSet<net.Socket>();
  const allow = new URL(allowOrigin);
  const server = http.createServer((req, res) => {
    // In a tunnel the request line carries only the path.
    const inTunnel = tunnels.has(req.socket);
    const rec: TappedRequest = {
      method: req.method ?? 'GET',
      url: inTunnel ? `${allowOrigin}${req.url ?? ''}` : (req.url ?? ''),
      headers: req.headers,
      bodyBytes: 0,
      body: '',
      status: null,
    };
    requests.push(rec);
    let target: URL;
    try {
      target = new URL(rec.url);
    } catch {
      res.writeHead(400).end('tap: expected an absolute URL');
      return;
    }
    if (target.origin !== allowOrigin) {
      refused.push(`${req.method} ${req.url}`);
      res.writeHead(403).end('tap: only the MetaClaw proxy is reachable in this test');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const up = http.request(target, { method: req.method, headers }, (upRes) => {
      rec.status = upRes.statusCode ?? null;
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', (err) => {
      rec.status = 502;
      if (!res.headersSent) res.writeHead(502);
      res.end(`tap: ${err.message}`);
    });
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => {
      rec.bodyBytes += b.length;
      parts.push(b);
    });
    req.on('end', () => {
      rec.body = Buffer.concat(parts).toString('utf8');
    });
    req.pipe(up);
  });
  server.on('connect', (req, socket: net.Socket, head: Buffer) => {
    if (req.url !== allow.host) {
      refused.push(`CONNECT ${req.url}`);
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    tunnels.add(socket);
    // Hand the tunnel to the same server: it parses the http requests inside.
    server.emit('connection', socket);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    refused,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface AgentRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run an agent CLI with exactly `env` (nothing inherited), stdin closed, killed after `timeoutMs`. */
export function runAgent(
  file: string,
  args: string[],
  o: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number },
): Promise<AgentRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** What to print when an assertion about an agent run fails. */
export function describeRun(name: string, r: AgentRun, tap?: Tap): string {
  const lines = [
    `${name} exited ${r.code ?? r.signal} after ${r.ms} ms`,
    `--- stdout ---\n${r.stdout.slice(-8000)}`,
    `--- stderr ---\n${r.stderr.slice(-8000)}`,
  ];
  if (tap) {
    lines.push(
      `--- requests through the tap ---\n${tap.requests.map((q) => `${q.method} ${q.url} → ${q.status}`).join('\n')}`,
      `--- refused ---\n${tap.refused.join('\n')}`,
    );
  }
  return lines.join('\n');
}

/** Write a SKILL.md folder and return its path. */
export function writeSkill(dir: string, name: string, description: string, body: string): string {
  const folder = path.join(dir, name);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(
    path.join(folder, 'SKILL.md'),
    `---\nname: ${name}\ndescription: ${description}\n---\n\n${body}\n`,
  );
  return folder;
}

export interface RecordedTurn {
  id: string;
  kind: string;
  protocol: string;
  status: string;
  httpStatus: number | null;
  injectedRevisionIds: number[];
  request: Record<string, unknown>;
  upstream_request: Record<string, unknown>;
}

/** Every turn the proxy recorded, read through its admin API (as `metaclaw sessions show` does). */
export async function recordedTurns(proxyUrl: string, key: string): Promise<RecordedTurn[]> {
  const get = async (p: string) => {
    const res = await fetch(`${proxyUrl}${p}`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const list = (await get('/v1/admin/sessions?limit=1000')).data as { id: string }[];
  const turns: RecordedTurn[] = [];
  for (const s of list)
    turns.push(...((await get(`/v1/admin/sessions/${s.id}?raw=1&turn_limit=1000`)).turns as RecordedTurn[]));
  return turns;
}

/** Poll until `fn` returns a truthy value (recording finishes just after the response). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A MetaClaw installation in a temp HOME: config via the CLI, one spottable skill, service started. */
export async function startMetaclaw(
  home: string,
  settings: [string, string][],
  skill: { name: string; description: string; body: string },
): Promise<{ url: string; port: number }> {
  const port = await freePort();
  for (const [k, v] of [['proxy.port', String(port)] as [string, string], ...settings])
    await metaclawOk(home, ['config', 'set', k, v]);
  const folder = writeSkill(path.join(home, 'skill-src'), skill.name, skill.description, skill.body);
  await metaclawOk(home, ['skills', 'add', folder]);
  const out = await metaclawOk(home, ['start']);
  const url = `http://127.0.0.1:${port}`;
  if (!out.includes(url)) throw new Error(`metaclaw start did not report ${url}:\n${out}`);
  return { url, port };
}

/**
 * Where the skills block went with the default `skills.placement: user`: the upstream messages (or
 * Responses input items) are the agent's, except that exactly one of them got one more text part at
 * the end — the block (an Anthropic string content becomes a text part first). Throws otherwise.
 */
export function attachedSkills(sent: unknown[], upstream: unknown[]): { index: number; text: string } {
  if (sent.length !== upstream.length)
    throw new Error(`upstream has ${upstream.length} messages, the agent sent ${sent.length}`);
  const changed: { index: number; text: string }[] = [];
  for (let i = 0; i < sent.length; i++) {
    const a = sent[i] as { content?: unknown };
    const b = upstream[i] as { content?: unknown };
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const parts = b.content as { type: string; text: string }[];
    if (!Array.isArray(parts)) throw new Error(`message ${i} changed but its content is no list`);
    const before = typeof a.content === 'string' ? [{ type: 'text', text: a.content }] : a.content;
    const block = parts.at(-1)!;
    if (JSON.stringify(parts.slice(0, -1)) !== JSON.stringify(before))
      throw new Error(`message ${i}: the agent's own parts changed`);
    if (JSON.stringify({ ...a, content: null }) !== JSON.stringify({ ...b, content: null }))
      throw new Error(`message ${i}: fields beside content changed`);
    changed.push({ index: i, text: block.text });
  }
  if (changed.length !== 1)
    throw new Error(`expected one message with the skills block, got ${changed.length}`);
  return changed[0]!;
}
