/*
 * Records what the real agents send, into test/fixtures/agents/*.json (`npm run agents:record`, or
 * `npm run agents:record -- codex` for some of them).
 *
 * Each agent (installed by install.ts) runs one agent session of two user tasks (scenario.ts) through a
 * real `metaclaw start`, wired by `metaclaw integrate`, with the fake LLM as upstream scripting a tool
 * loop; the tap in front of MetaClaw captures every request exactly as the agent sent it, in send
 * order. Secrets (authorization / x-api-key / cookies, key-like strings) are dropped, the temp home
 * becomes /home/user, the agent cache /usr/local/lib/node_modules and the proxy's port 30000.
 *
 * Fixture: {agent, agentVersion, mode, recordedAt, tasks, requests: [{method, path, headers, body}],
 * refused?: [...]} where `refused` lists what the tap kept from leaving the machine.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureAgents } from './install.js';
import {
  type AgentKind,
  ANSWERS,
  answerOf,
  type Scenario,
  type Session,
  startSession,
  TASKS,
} from './scenario.js';
import { describeRun } from './support.js';

const OUT = path.resolve('test/fixtures/agents');

interface Target {
  file: string;
  scenario: Scenario;
  mode: string;
}

const TARGETS: Target[] = [
  {
    file: 'openclaw-anthropic.json',
    scenario: { agent: 'openclaw', openclawApi: 'anthropic-messages' },
    mode: 'anthropic-messages',
  },
  {
    file: 'openclaw-openai.json',
    scenario: { agent: 'openclaw', openclawApi: 'openai-completions' },
    mode: 'openai-completions',
  },
  // As users run it: its side calls to the model are part of what MetaClaw sees.
  { file: 'claude-code.json', scenario: { agent: 'claude-code', quiet: false }, mode: 'anthropic-messages' },
  { file: 'codex.json', scenario: { agent: 'codex', responsesApi: 'native' }, mode: 'openai-responses' },
];

const SKILL = {
  name: 'file-line-counts',
  description: 'How to count and report the lines of a text file',
  body: 'Count every line, the heading included, and say what the lines are.',
};

/** Headers that carry credentials or only describe this machine's connection. */
const DROP_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'cookie',
  'proxy-authorization',
  'proxy-connection',
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

export interface FixtureRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface AgentFixture {
  agent: AgentKind;
  agentVersion: string;
  mode: string;
  recordedAt: string;
  tasks: string[];
  requests: FixtureRequest[];
  refused?: string[];
}

function scrubber(s: Session, agentDirs: string[]) {
  const pairs: [string, string][] = [
    ...agentDirs.map((d) => [d, '/usr/local/lib/node_modules'] as [string, string]),
    [fs.realpathSync(s.home), '/home/user'],
    [s.home, '/home/user'],
    [s.proxyUrl, 'http://127.0.0.1:30000'],
    [new URL(s.proxyUrl).host, '127.0.0.1:30000'],
    [s.proxyKey, '<redacted>'],
    ['upstream-secret', '<redacted>'],
  ];
  const keyLike =
    /\b(sk-[A-Za-z0-9_-]{16,}|sk-ant-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})\b/g;
  const str = (v: string) => {
    let out = v;
    for (const [from, to] of pairs) out = out.split(from).join(to);
    return out.replace(keyLike, '<redacted>');
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [str(k), walk(x)]));
    return v;
  };
  return walk;
}

export function toFixtureRequests(s: Session, agentDirs: string[]): FixtureRequest[] {
  const scrub = scrubber(s, agentDirs);
  return s.tap.requests
    .filter((q) => q.url.startsWith(`${s.proxyUrl}/`))
    .map((q) => {
      const u = new URL(q.url);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(q.headers)) {
        if (DROP_HEADERS.has(k) || v === undefined) continue;
        headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      let body: unknown = q.body;
      try {
        if (q.body !== '') body = JSON.parse(q.body);
      } catch {}
      return scrub({ method: q.method, path: u.pathname + u.search, headers, body }) as FixtureRequest;
    });
}

async function record(t: Target, versions: Record<AgentKind, string>, agentDirs: string[]) {
  const started = Date.now();
  const s = await startSession(t.scenario, SKILL);
  let ok = false;
  try {
    for (const [i, task] of TASKS.entries()) {
      const r = await s.task(task);
      const why = describeRun(t.file, r, s.tap);
      // The whole output, for when describeRun's tail is not enough.
      fs.writeFileSync(path.join(s.home, `task-${i + 1}.stdout`), r.stdout);
      if (r.code !== 0) throw new Error(`task ${i + 1} failed (output in ${s.home})\n${why}`);
      const answer = answerOf(t.scenario.agent, r);
      if (!answer.includes(ANSWERS[i]!))
        throw new Error(
          `task ${i + 1}: unexpected answer ${JSON.stringify(answer)} (output in ${s.home})\n${why}`,
        );
      console.error(`  task ${i + 1}: ${r.ms} ms`);
    }
    if (!fs.readFileSync(path.join(s.workspace, 'summary.txt'), 'utf8').includes('Saturday groceries'))
      throw new Error('summary.txt was not written');
    const fixture: AgentFixture = {
      agent: t.scenario.agent,
      agentVersion: versions[t.scenario.agent],
      mode: t.mode,
      recordedAt: new Date().toISOString(),
      tasks: [...TASKS],
      requests: toFixtureRequests(s, agentDirs),
    };
    if (s.tap.refused.length > 0) fixture.refused = [...s.tap.refused];
    const file = path.join(OUT, t.file);
    fs.writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
    console.error(
      `${t.file}: ${fixture.requests.length} requests, ${Math.round(fs.statSync(file).size / 1024)} KiB, ${Math.round((Date.now() - started) / 1000)} s`,
    );
    ok = true;
    return file;
  } finally {
    // The temp home is kept for a look when something failed.
    await s.close(!ok);
  }
}

async function main() {
  const only = process.argv.slice(2);
  const targets = only.length ? TARGETS.filter((t) => only.some((o) => t.file.startsWith(o))) : TARGETS;
  if (targets.length === 0)
    throw new Error(`nothing matches ${only.join(' ')}; one of ${TARGETS.map((t) => t.file)}`);
  const set = await ensureAgents((s) => console.error(s));
  const versions: Record<AgentKind, string> = {
    'claude-code': set.versions.claude.split(' ')[0]!,
    codex: set.versions.codex.split(' ').at(-1)!,
    openclaw: set.versions.openclaw.split(' ')[1]!,
  };
  const agentDirs = [path.join(set.dir, 'agents', 'node_modules'), set.dir];
  fs.mkdirSync(OUT, { recursive: true });
  const files: string[] = [];
  for (const t of targets) {
    console.error(`recording ${t.file} …`);
    files.push(await record(t, versions, agentDirs));
  }
  // Committed files follow the project's formatter.
  await promisify(execFile)(path.resolve('node_modules/.bin/biome'), ['format', '--write', ...files]);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
