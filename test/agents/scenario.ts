import fs from 'node:fs';
import path from 'node:path';
import {
  currentLoop,
  type FakeLlm,
  type RecordedRequest,
  type Reply,
  type Responder,
  startFakeLlm,
  toolLoop,
} from '../fixtures/fake-llm/index.js';
import { tempHome } from '../helpers/tmp.js';
import {
  type AgentRun,
  agents,
  metaclaw,
  metaclawOk,
  runAgent,
  startMetaclaw,
  startTap,
  type Tap,
} from './support.js';

/*
 * One realistic agent session through a real `metaclaw start` in front of the fake LLM, shared by the
 * agent tests and the fixture recorder (record.ts): a workspace with notes.txt, two user tasks in one
 * agent session — task 1 makes the agent read the file (tool call, then the answer), task 2 is a
 * follow-up that makes it write summary.txt (tool call, then the answer) — and the tap in between
 * capturing exactly what the agent sent.
 */

export const NOTES = 'Groceries for Saturday:\n- oat milk\n- two lemons\n- fresh basil\n- sourdough bread\n';
export const NOTES_LINES = 5;
export const SUMMARY = 'Saturday groceries: oat milk, two lemons, fresh basil and sourdough bread.';
export const TASKS = [
  'Look at notes.txt in the workspace and tell me how many lines it has.',
  'Thanks! Now write a one-line summary of it into summary.txt.',
] as const;
/** The fake's final answers: the first one only when the tool result really held the file. */
export const ANSWERS = [
  `notes.txt has ${NOTES_LINES} lines: a heading and four items.`,
  'Done: summary.txt now holds a one-line summary of the grocery list.',
] as const;
const UNREAD = 'I could not read notes.txt.';

export type AgentKind = 'claude-code' | 'codex' | 'openclaw';
export type OpenClawApi = 'anthropic-messages' | 'openai-completions';

export interface Scenario {
  agent: AgentKind;
  /** OpenClaw: the provider API `metaclaw integrate openclaw --openclaw-api` wires. */
  openclawApi?: OpenClawApi;
  /** Codex: `upstream.responses_api`. */
  responsesApi?: 'native' | 'translate';
  /**
   * Claude Code: false runs it as users do, without the switches that turn off telemetry, error
   * reports and other nonessential traffic (its side calls to the model included); default true.
   */
  quiet?: boolean;
}

/** The file tools each agent offers and how its calls look. */
function toolPlan(agent: AgentKind, workspace: string) {
  const notes = path.join(workspace, 'notes.txt');
  const summary = path.join(workspace, 'summary.txt');
  switch (agent) {
    case 'claude-code':
      return {
        read: { tool: 'Read', arguments: { file_path: notes } },
        write: { tool: 'Write', arguments: { file_path: summary, content: `${SUMMARY}\n` } },
      };
    case 'openclaw':
      return {
        read: { tool: 'read', arguments: { path: 'notes.txt' } },
        write: { tool: 'write', arguments: { path: 'summary.txt', content: `${SUMMARY}\n` } },
      };
    case 'codex':
      // Codex has no file-read tool: it reads and writes through its shell tool.
      return {
        read: { tool: ['exec_command', 'shell'], arguments: { cmd: 'cat notes.txt', workdir: workspace } },
        write: {
          tool: ['exec_command', 'shell'],
          arguments: { cmd: `printf '%s\\n' '${SUMMARY}' > summary.txt`, workdir: workspace },
        },
      };
  }
}

/** What a side call (title generation and the like, no tools) gets. */
const SIDE_REPLY: Reply = { text: 'Counting lines in notes.txt' };

/**
 * The fake LLM's script: task 1 reads notes.txt through the agent's read tool, task 2 writes
 * summary.txt through its write tool; each ends with a fixed answer once the tool result is back.
 * Calls without the tools (side calls) get a short title-like text.
 */
export function scenarioResponder(agent: AgentKind, workspace: string, maxCalls = 40): Responder {
  const plan = toolPlan(agent, workspace);
  const ids = (req: RecordedRequest) => (req.protocol === 'anthropic' ? 'toolu_fake' : 'call_fake');
  const read = (req: RecordedRequest) =>
    toolLoop({
      calls: [plan.read],
      final: (_r, results) => (results.some((r) => r.includes('sourdough bread')) ? ANSWERS[0] : UNREAD),
      otherwise: () => SIDE_REPLY,
      idPrefix: ids(req),
    })(req);
  const write = (req: RecordedRequest) =>
    toolLoop({
      calls: [plan.write],
      final: ANSWERS[1],
      otherwise: () => SIDE_REPLY,
      idPrefix: ids(req),
    })(req);
  let calls = 0;
  return (req) => {
    // A runaway loop must not run forever.
    if (++calls > maxCalls)
      return { fault: { status: 400, message: `fake-llm: more than ${maxCalls} calls` } };
    const { task } = currentLoop(req);
    if (task.includes('summary.txt')) return write(req);
    if (task.includes('notes.txt')) return read(req);
    return SIDE_REPLY;
  };
}

export interface Session {
  scenario: Scenario;
  fake: FakeLlm;
  tap: Tap;
  home: string;
  workspace: string;
  proxyUrl: string;
  proxyKey: string;
  /** The agent's session id, as the agent reports it (OpenClaw: the one we chose). */
  sessionId: string | undefined;
  runs: AgentRun[];
  /** Run one more user task in the same agent session. */
  task(message: string): Promise<AgentRun>;
  /** Stop everything; the temp home is deleted unless `keep` (or METACLAW_KEEP_AGENT_HOMES is set). */
  close(keep?: boolean): Promise<void>;
}

const PROXY_KEY = 'proxy-key-for-agents';

/** Env every agent gets: nothing inherited but PATH, HOME in the temp home, all traffic through the tap. */
function agentEnv(home: string, tap: Tap, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    HTTP_PROXY: tap.url,
    HTTPS_PROXY: tap.url,
    ALL_PROXY: tap.url,
    http_proxy: tap.url,
    https_proxy: tap.url,
    ...extra,
  };
}

/**
 * Start the fake, MetaClaw (wired for `scenario` by `metaclaw integrate`) and the tap, with a
 * workspace holding notes.txt; `task()` then runs the real agent.
 */
export async function startSession(
  scenario: Scenario,
  skill: { name: string; description: string; body: string },
) {
  const home = tempHome(`metaclaw-agent-${scenario.agent}-`);
  const workspace =
    scenario.agent === 'openclaw' ? path.join(home, '.openclaw', 'workspace') : path.join(home, 'project');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'notes.txt'), NOTES);
  const fake = await startFakeLlm({ responder: scenarioResponder(scenario.agent, workspace) });
  const anthropicUpstream =
    scenario.agent === 'claude-code' ||
    (scenario.agent === 'openclaw' &&
      (scenario.openclawApi ?? 'anthropic-messages') === 'anthropic-messages');
  const { url: proxyUrl } = await startMetaclaw(
    home,
    [
      ['proxy.api_key', PROXY_KEY],
      ['upstream.provider', anthropicUpstream ? 'anthropic' : 'openai'],
      ['upstream.base_url', anthropicUpstream ? fake.url : `${fake.url}/v1`],
      ['upstream.api_key', 'upstream-secret'],
      ...(scenario.agent === 'codex'
        ? [['upstream.responses_api', scenario.responsesApi ?? 'native'] as [string, string]]
        : []),
      // Judge and evolver would call the fake too; this is about the agent's own calls.
      ['judge.enabled', 'false'],
      ['evolution.enabled', 'false'],
    ],
    skill,
  );
  const tap = await startTap(proxyUrl);
  const set = agents();
  let sessionId: string | undefined;
  const runs: AgentRun[] = [];
  let env: NodeJS.ProcessEnv;
  let argv: (message: string, first: boolean) => [string, string[]];

  if (scenario.agent === 'claude-code') {
    await metaclawOk(home, ['integrate', 'claude-code']);
    env = agentEnv(
      home,
      tap,
      scenario.quiet === false
        ? { DISABLE_AUTOUPDATER: '1' }
        : {
            // Documented switches: no telemetry, error reports, auto-update or other nonessential calls.
            DISABLE_TELEMETRY: '1',
            DISABLE_ERROR_REPORTING: '1',
            DISABLE_AUTOUPDATER: '1',
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          },
    );
    argv = (message, first) => [
      set.claude,
      [
        '-p',
        message,
        '--output-format',
        'json',
        // Edits without a prompt (there is nobody to answer one).
        '--permission-mode',
        'acceptEdits',
        ...(first ? [] : ['--resume', sessionId ?? '']),
      ],
    ];
  } else if (scenario.agent === 'codex') {
    const wired = await metaclawOk(home, ['integrate', 'codex', '--model', CODEX_MODEL]);
    const key = /export METACLAW_API_KEY=(\S+)/.exec(wired)?.[1] ?? PROXY_KEY;
    env = agentEnv(home, tap, { METACLAW_API_KEY: key });
    const config = [
      // As `--full-auto` does (`exec resume` takes no --sandbox): commands may write in the workspace.
      '-c',
      'sandbox_mode="workspace-write"',
      // Documented config keys: no update check, no analytics, no feedback uploads.
      '-c',
      'check_for_update_on_startup=false',
      '-c',
      'analytics.enabled=false',
      '-c',
      'feedback.enabled=false',
    ];
    argv = (message, first) => [
      set.codex,
      first
        ? ['exec', '--skip-git-repo-check', '--json', ...config, message]
        : ['exec', 'resume', '--skip-git-repo-check', '--json', ...config, sessionId ?? '--last', message],
    ];
  } else {
    const api = scenario.openclawApi ?? 'anthropic-messages';
    await metaclawOk(home, [
      'integrate',
      'openclaw',
      '--openclaw-api',
      api,
      '--model',
      OPENCLAW_MODEL[api],
      '--no-restart',
    ]);
    // Offline: no update check, no model catalog refresh.
    const file = path.join(home, '.openclaw', 'openclaw.json');
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
    cfg.update = { ...cfg.update, checkOnStart: false };
    cfg.models = { ...cfg.models, catalogRefresh: { enabled: false } };
    fs.writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`);
    // A fixed id (OpenClaw's own are UUIDs), so recordings are reproducible.
    sessionId = '5d0c7a52-3f1e-4b8a-9c64-2e7f1a9b3d10';
    env = agentEnv(home, tap, {
      PATH: `${path.dirname(set.node)}${path.delimiter}${process.env.PATH ?? ''}`,
      OPENCLAW_NO_AUTO_UPDATE: '1',
    });
    argv = (message) => [
      set.node,
      [set.openclaw, 'agent', '--local', '--session-id', sessionId!, '-m', message, '--json'],
    ];
  }

  const session: Session = {
    scenario,
    fake,
    tap,
    home,
    workspace,
    proxyUrl,
    proxyKey: PROXY_KEY,
    get sessionId() {
      return sessionId;
    },
    runs,
    async task(message) {
      const [file, args] = argv(message, runs.length === 0);
      const r = await runAgent(file, args, { env, cwd: workspace, timeoutMs: 170_000 });
      runs.push(r);
      if (scenario.agent === 'claude-code' && !sessionId) {
        try {
          sessionId = (JSON.parse(r.stdout) as { session_id?: string }).session_id;
        } catch {}
      }
      if (scenario.agent === 'codex' && !sessionId) {
        sessionId = /"thread_id"\s*:\s*"([^"]+)"/.exec(r.stdout)?.[1];
      }
      return r;
    },
    async close(keep = false) {
      await tap.close();
      await metaclaw(home, ['stop']);
      await fake.close();
      if (!keep && !process.env.METACLAW_KEEP_AGENT_HOMES) fs.rmSync(home, { recursive: true, force: true });
    },
  };
  return session;
}

/** The model `metaclaw integrate codex --model` selects (a model Codex knows). */
export const CODEX_MODEL = 'gpt-5.5';

/** The model `metaclaw integrate openclaw --model` names (OpenClaw sends it as is). */
export const OPENCLAW_MODEL: Record<OpenClawApi, string> = {
  'anthropic-messages': 'claude-sonnet-4-5',
  'openai-completions': 'gpt-4.1-mini',
};

/** The final text an agent printed for a task (each agent's output format). */
export function answerOf(agent: AgentKind, r: AgentRun): string {
  try {
    if (agent === 'claude-code') return (JSON.parse(r.stdout) as { result: string }).result;
    if (agent === 'openclaw') {
      const out = JSON.parse(r.stdout) as {
        payloads?: { text?: string }[];
        result?: { payloads?: { text?: string }[] };
      };
      const payloads = out.payloads ?? out.result?.payloads ?? [];
      return payloads.map((p) => p.text ?? '').join('\n');
    }
    // Codex --json: JSON lines; the agent's message items.
    const texts: string[] = [];
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const ev = JSON.parse(line) as { type?: string; item?: { type?: string; text?: string } };
      if (ev.type === 'item.completed' && ev.item?.type === 'agent_message') texts.push(ev.item.text ?? '');
    }
    return texts.join('\n');
  } catch {
    return '';
  }
}
