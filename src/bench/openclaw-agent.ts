import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AgentFactory, AgentTurn, BenchAgent } from './agent.js';
import { killGroup } from './kill.js';
import type { OpenClawRuntime } from './openclaw-runtime.js';
import { type SeedMessage, seedFile } from './workspace.js';

/*
 * `--agent openclaw`: a real OpenClaw driven the way MetaClaw's reference runner
 * (benchmark/src/infer/infer_cmd.py) drives it — per day a fresh OpenClaw state folder whose config
 * points at the condition's endpoint and whose agent works in the day's workspace, the seed
 * transcript as that agent's session, a gateway of its own (`openclaw gateway run`), and each round
 * one `openclaw agent --session-id <seed session> --message <text>` in that session. OpenClaw
 * 2026.9 keeps sessions in SQLite, so the seed transcript (a legacy JSONL session) is imported with
 * `openclaw doctor --session-sqlite import` before the gateway starts.
 */

const PROVIDER = 'metaclaw-bench';

export interface OpenClawDayOptions {
  runtime: OpenClawRuntime;
  /** A fresh folder for the day's OpenClaw state (config, sessions, gateway log). */
  stateDir: string;
  workspace: string;
  /** The OpenClaw agent (the manifest's `agent`). */
  agentId: string;
  /** OpenClaw's session id: the seed transcript's name, as the reference passes `--session-id`. */
  sessionId: string;
  /** The seed transcript file (OpenClaw JSONL) to copy, when there is one. */
  seedFile?: string | null;
  /** OpenAI-compatible base URL (…/v1), or the Anthropic base URL with `protocol: 'anthropic'`. */
  baseUrl: string;
  apiKey: string;
  model: string;
  protocol?: 'openai' | 'anthropic';
  /** Sent as `x-session-id` on every model call so MetaClaw records the day as one session. */
  metaclawSessionId?: string;
  /** Per `openclaw agent` call (OpenClaw's own `--timeout`); killed a minute after. Default 600 s. */
  callTimeoutS?: number;
  beforeCall?: () => void;
  env?: NodeJS.ProcessEnv;
}

/** OpenClaw's config for one day: the endpoint as its only provider, the workspace, offline. */
export function openclawConfig(o: OpenClawDayOptions): Record<string, unknown> {
  return {
    update: { checkOnStart: false },
    models: {
      catalogRefresh: { enabled: false },
      providers: {
        [PROVIDER]: {
          baseUrl: o.baseUrl,
          apiKey: o.apiKey,
          api: o.protocol === 'anthropic' ? 'anthropic-messages' : 'openai-completions',
          ...(o.metaclawSessionId ? { headers: { 'x-session-id': o.metaclawSessionId } } : {}),
          models: [
            { id: o.model, name: 'Benchmark model', input: ['text'], contextWindow: 50_000, maxTokens: 8192 },
          ],
        },
      },
    },
    agents: {
      defaults: {
        model: { primary: `${PROVIDER}/${o.model}` },
        timeoutSeconds: 6000,
        compaction: { mode: 'safeguard' },
      },
      entries: { [o.agentId]: { default: true, name: o.agentId, skills: [], workspace: o.workspace } },
    },
    // As the reference: coding tools, no memory tools, sessions visible to their own agent only.
    tools: { profile: 'coding', deny: ['group:memory'], sessions: { visibility: 'self' } },
    plugins: { slots: { memory: 'none' } },
  };
}

/** argv (after the entry script) of one round. */
export function agentArgs(sessionId: string, message: string, timeoutS: number): string[] {
  return ['agent', '--session-id', sessionId, '--message', message, '--json', '--timeout', String(timeoutS)];
}

export function gatewayArgs(port: number): string[] {
  return ['gateway', 'run', '--port', String(port), '--bind', 'loopback', '--allow-unconfigured'];
}

export const IMPORT_ARGS = ['doctor', '--session-sqlite', 'import', '--session-sqlite-all-agents'];

/**
 * The seed as a legacy OpenClaw session (transcript JSONL plus its `sessions.json` row), which
 * `doctor --session-sqlite import` moves into SQLite: the set's own transcript when it is one
 * (header id set to the session id), else one built from the seed messages.
 */
export function legacySession(
  sessionId: string,
  agentId: string,
  seedFile: string | null | undefined,
  history: SeedMessage[],
  model: string,
): { jsonl: string; index: Record<string, unknown> } | null {
  let jsonl: string | null = null;
  if (seedFile && fs.existsSync(seedFile)) {
    const lines = fs
      .readFileSync(seedFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    try {
      const head = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
      if (head.type === 'session')
        jsonl = [JSON.stringify({ ...head, id: sessionId }), ...lines.slice(1)].join('\n');
    } catch {
      jsonl = null;
    }
  }
  if (jsonl === null) {
    if (history.length === 0) return null;
    const t0 = Date.now() - history.length * 1000;
    const at = (i: number) => new Date(t0 + i * 1000).toISOString();
    const events: unknown[] = [{ type: 'session', version: 3, id: sessionId, timestamp: at(0) }];
    history.forEach((m, i) => {
      events.push({
        type: 'message',
        id: `seed${String(i).padStart(4, '0')}`,
        parentId: i === 0 ? null : `seed${String(i - 1).padStart(4, '0')}`,
        timestamp: at(i + 1),
        message: {
          role: m.role,
          content: [{ type: 'text', text: m.content }],
          timestamp: t0 + (i + 1) * 1000,
          ...(m.role === 'assistant'
            ? { api: 'openai-completions', provider: PROVIDER, model, usage: { input: 0, output: 0 } }
            : {}),
        },
      });
    });
    jsonl = events.map((e) => JSON.stringify(e)).join('\n');
  }
  return {
    jsonl: `${jsonl}\n`,
    index: {
      [`agent:${agentId}:${sessionId}`]: {
        sessionId,
        sessionFile: `${sessionId}.jsonl`,
        updatedAt: Date.now(),
      },
    },
  };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runOnce(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number) {
  const t0 = performance.now();
  return new Promise<Ran>((resolve, reject) => {
    // In our process group: a Ctrl-C reaches the OpenClaw client too (it then aborts its run).
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-20_000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** The reply text, tokens and model calls of `openclaw agent --json` (gateway or `--local` shape). */
export function parseAgentJson(
  stdout: string,
): { answer: string; input: number; output: number; calls: number } | null {
  const start = stdout.indexOf('{');
  if (start < 0) return null;
  let out: Record<string, unknown>;
  try {
    out = JSON.parse(stdout.slice(start)) as Record<string, unknown>;
  } catch {
    return null;
  }
  const result = (out.result ?? out) as {
    payloads?: { text?: string | null }[];
    meta?: { agentMeta?: { usage?: { input?: number; output?: number }; assistantTurns?: number } };
  };
  const texts = (result.payloads ?? []).map((p) => p.text ?? '').filter((t) => t);
  const meta = result.meta?.agentMeta;
  return {
    answer: texts.join('\n'),
    input: meta?.usage?.input ?? 0,
    output: meta?.usage?.output ?? 0,
    calls: meta?.assistantTurns ?? 1,
  };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });

const tail = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-4000) : '');

/** One day of one condition in a real OpenClaw; the same shape as the built-in agent for the runner. */
export class OpenClawAgent implements BenchAgent {
  private history: SeedMessage[] = [];
  private gateway: ChildProcess | null = null;
  private gatewayExited = false;
  private env: NodeJS.ProcessEnv = {};
  private readonly stopOnExit = () => killGroup(this.gateway?.pid);
  /** The gateway has a process group of its own: a signal that ends us must end it too. */
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.stopOnExit();
    this.unhook();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  private unhook(): void {
    process.removeListener('exit', this.stopOnExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
  readonly configFile: string;

  constructor(readonly o: OpenClawDayOptions) {
    this.configFile = path.join(o.stateDir, 'openclaw.json');
  }

  /** The seed transcript's messages (used when the set's transcript file is not an OpenClaw one). */
  seed(history: SeedMessage[]): void {
    this.history = [...history];
  }

  private async start(): Promise<void> {
    const o = this.o;
    fs.rmSync(o.stateDir, { recursive: true, force: true });
    fs.mkdirSync(o.stateDir, { recursive: true });
    fs.writeFileSync(this.configFile, `${JSON.stringify(openclawConfig(o), null, 2)}\n`);
    const port = await freePort();
    const base: NodeJS.ProcessEnv = {};
    // The user's own OpenClaw settings (profile, gateway URL, state) must not leak into the run.
    for (const [k, v] of Object.entries(o.env ?? process.env)) if (!k.startsWith('OPENCLAW_')) base[k] = v;
    this.env = {
      ...base,
      PATH: `${path.dirname(o.runtime.node)}${path.delimiter}${base.PATH ?? ''}`,
      OPENCLAW_STATE_DIR: o.stateDir,
      OPENCLAW_CONFIG_PATH: this.configFile,
      OPENCLAW_GATEWAY_PORT: String(port),
      OPENCLAW_GATEWAY_TOKEN: randomBytes(16).toString('hex'),
      OPENCLAW_NO_AUTO_UPDATE: '1',
    };
    const seed = legacySession(o.sessionId, o.agentId, o.seedFile, this.history, o.model);
    if (seed) {
      const dir = path.join(o.stateDir, 'agents', o.agentId, 'sessions');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${o.sessionId}.jsonl`), seed.jsonl);
      fs.writeFileSync(path.join(dir, 'sessions.json'), `${JSON.stringify(seed.index, null, 2)}\n`);
      const r = await runOnce(
        o.runtime.node,
        [o.runtime.entry, ...IMPORT_ARGS],
        this.env,
        o.stateDir,
        180_000,
      );
      if (r.code !== 0)
        throw new Error(
          `openclaw doctor could not import the seed transcript (exit ${r.code}):\n${r.stderr.slice(-2000)}`,
        );
    }
    const log = path.join(o.stateDir, 'gateway.log');
    const fd = fs.openSync(log, 'w');
    this.gateway = spawn(o.runtime.node, [o.runtime.entry, ...gatewayArgs(port)], {
      env: this.env,
      cwd: o.stateDir,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    fs.closeSync(fd);
    process.once('exit', this.stopOnExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    const gone = () => {
      this.gatewayExited = true;
    };
    this.gateway.once('exit', gone);
    this.gateway.once('error', gone);
    const deadline = Date.now() + 180_000;
    while (!(await canConnect(port))) {
      if (this.gatewayExited || Date.now() > deadline) {
        const exited = this.gatewayExited;
        await this.close();
        throw new Error(
          `the OpenClaw gateway on port ${port} ${exited ? 'exited' : 'did not become ready in 180 s'} ` +
            `(state ${o.stateDir}):\n${tail(log)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** One round: one `openclaw agent` call in the day's session, through the day's gateway. */
  async send(text: string): Promise<AgentTurn> {
    if (!this.gateway) await this.start();
    this.o.beforeCall?.();
    const timeoutS = this.o.callTimeoutS ?? 600;
    const args = [this.o.runtime.entry, ...agentArgs(this.o.sessionId, text, timeoutS)];
    const r = await runOnce(this.o.runtime.node, args, this.env, this.o.workspace, (timeoutS + 60) * 1000);
    if (this.gatewayExited)
      throw new Error(
        `the OpenClaw gateway stopped during a round:\n${tail(path.join(this.o.stateDir, 'gateway.log'))}`,
      );
    const parsed = parseAgentJson(r.stdout);
    // As the reference: a failed call is an empty answer (scored 0); say why on stderr.
    if (r.code !== 0 || !parsed)
      process.stderr.write(
        `metaclaw bench: openclaw agent exited ${r.code ?? 'on timeout'}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}\n`,
      );
    return {
      answer: parsed?.answer ?? '',
      tokens: (parsed?.input ?? 0) + (parsed?.output ?? 0),
      inputTokens: parsed?.input ?? 0,
      outputTokens: parsed?.output ?? 0,
      calls: parsed?.calls ?? 1,
      // OpenClaw's whole call counts as agent time, not runner overhead.
      modelMs: r.ms,
    };
  }

  /** Stops the day's gateway (SIGTERM, then SIGKILL after 8 s). */
  async close(): Promise<void> {
    const g = this.gateway;
    this.unhook();
    if (!g || g.pid === undefined) return;
    if (this.gatewayExited) {
      killGroup(g.pid); // what it started may still run
      return;
    }
    const done = new Promise<void>((r) => g.once('exit', () => r()));
    try {
      process.kill(-g.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => killGroup(g.pid), 8000);
    await done;
    clearTimeout(timer);
    killGroup(g.pid);
  }
}

/**
 * The runner's agent factory for `--agent openclaw`: each day of each condition gets its own
 * OpenClaw state under `stateRoot/<condition>/<day>`, the day's workspace and seed session.
 */
export function openclawAgentFactory(
  runtime: OpenClawRuntime,
  o: {
    stateRoot: string;
    protocol?: 'openai' | 'anthropic';
    callTimeoutS?: number;
    env?: NodeJS.ProcessEnv;
  },
): AgentFactory {
  return (ctx) =>
    new OpenClawAgent({
      runtime,
      stateDir: path.join(o.stateRoot, ctx.condition, ctx.day.id),
      workspace: ctx.workspace,
      agentId: ctx.day.agent,
      sessionId: ctx.day.session ?? ctx.day.id,
      seedFile: seedFile(ctx.set, ctx.day),
      baseUrl: ctx.baseUrl,
      apiKey: ctx.apiKey,
      model: ctx.model,
      metaclawSessionId: ctx.sessionId,
      ...(o.protocol ? { protocol: o.protocol } : {}),
      ...(ctx.beforeCall ? { beforeCall: ctx.beforeCall } : {}),
      ...(o.callTimeoutS ? { callTimeoutS: o.callTimeoutS } : {}),
      ...(o.env ? { env: o.env } : {}),
    });
}
