import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  currentLoop,
  type FakeLlm,
  type RecordedRequest,
  type Reply,
  startFakeLlm,
  toolNames,
} from '../fixtures/fake-llm/index.js';
import { tempHome } from '../helpers/tmp.js';
import { installedAgents, setDir } from './install.js';
import { BIN } from './support.js';

/*
 * `metaclaw bench run --agent openclaw` end to end (the built CLI): day 1 of the synthetic bench
 * (test/fixtures/bench-synth, in the published layout) run by the real OpenClaw from
 * the agent cache (pinned OpenClaw, Node 24) — a fresh state folder, the seed imported as the day's
 * session, a gateway of its own, one `openclaw agent` per round — against the fake LLM scripted as
 * a model that knows the answer key: it answers multi-choice from the key and writes compliant files
 * with OpenClaw's `write` tool. Scored by the runner, it must reach 100 %.
 */

const run = promisify(execFile);
const SYNTH = path.resolve('test/fixtures/bench-synth');
const agents = installedAgents();
if (!agents)
  console.warn(`[bench-openclaw] skipped: no agent cache in ${setDir()} (run npm run agents:install)`);

const INTERNAL = /<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>[\s\S]*?<<<END_OPENCLAW_INTERNAL_CONTEXT>>>/g;
const TIME = /^\[[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}[^\]]*\]\s*/;

/** The question OpenClaw passed on: its time prefix, runtime lines and context blocks removed. */
function userText(task: string): string {
  return task
    .replace(INTERNAL, '')
    .replace(/^Runtime: .*$/gm, '')
    .trim()
    .replace(TIME, '')
    .trim();
}

interface KeyRound {
  question: string;
  type: string;
  eval: { answer?: string[] };
}

/** A model that knows the key, speaking OpenClaw's OpenAI Chat shape (its tools, its context). */
function keyModel(rounds: KeyRound[]) {
  return (req: RecordedRequest): Reply => {
    if (!toolNames(req).includes('write')) return { text: 'OK.' };
    const loop = currentLoop(req);
    if (loop.results.length > 0) return { text: 'Done, the file is written.' };
    let q = userText(loop.task);
    if (q.startsWith('[Previous Feedback]')) {
      const cut = q.indexOf('\n\n');
      if (cut < 0) return { text: 'Noted.' };
      q = q.slice(cut + 2);
    }
    const round = rounds.find((r) => q.includes(r.question));
    if (!round) return { text: 'I do not know.' };
    if (round.type === 'multi_choice') return { text: `\\bbox{${(round.eval.answer ?? []).join(',')}}` };
    const file = /(day\d+\/[\w-]+\.\w+)/.exec(round.question)?.[1] ?? 'out.txt';
    const content = file.endsWith('.log') ? '[LOG] reviewed the notes\n' : 'Reviewed the notes.\n';
    return { toolCalls: [{ name: 'write', arguments: { path: file, content } }] };
  };
}

let fake: FakeLlm | undefined;
afterAll(async () => {
  await fake?.close();
});

/** The built CLI with a temp HOME and nothing from the developer's environment but PATH. */
async function bench(home: string, args: string[], timeoutMs = 30_000) {
  try {
    const r = await run(process.execPath, [BIN, 'bench', 'run', ...args], {
      env: { PATH: process.env.PATH, HOME: home, METACLAW_HOME: path.join(home, '.metaclaw') },
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The key of day 1 of the synthetic set. */
function day1Rounds(): KeyRound[] {
  return JSON.parse(fs.readFileSync(path.join(SYNTH, 'eval/day01/questions.json'), 'utf8')).rounds;
}

describe('metaclaw bench --agent openclaw: errors', () => {
  it('names --openclaw-bin when it does not exist, and --openclaw-node when that Node is too old', async () => {
    const home = tempHome('metaclaw-bench-openclaw-');
    const common = ['--data', SYNTH, '--condition', 'baseline', '--upstream', 'http://127.0.0.1:9/v1'];
    const missing = await bench(home, [
      ...common,
      '--out',
      path.join(home, 'run1'),
      '--agent',
      'openclaw',
      '--openclaw-bin',
      path.join(home, 'nope', 'openclaw.mjs'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `--openclaw-bin ${path.join(home, 'nope', 'openclaw.mjs')}: no such file`,
    );
    const entry = path.join(home, 'openclaw.mjs');
    fs.writeFileSync(entry, '');
    const old = await bench(home, [
      ...common,
      '--out',
      path.join(home, 'run2'),
      '--agent',
      'openclaw',
      '--openclaw-bin',
      entry,
      '--openclaw-node',
      process.execPath,
    ]);
    // The project runs on Node 20; OpenClaw needs 24.16.
    expect(old.code).toBe(2);
    expect(old.stderr).toContain(
      `OpenClaw needs Node >= 24.16, but ${process.execPath} is ${process.version}`,
    );
    expect(old.stderr).toContain('npm run agents:install');
    const other = await bench(home, [...common, '--out', path.join(home, 'run3'), '--agent', 'codex']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('--agent codex: use builtin or openclaw');
  });
});

describe.skipIf(!agents)('metaclaw bench --agent openclaw (real OpenClaw)', () => {
  it('a key-answering model scores 100 % through OpenClaw, direct and through MetaClaw; seed, feedback, tools, one session', async () => {
    const started = Date.now();
    const home = tempHome('metaclaw-bench-openclaw-');
    const rounds = day1Rounds();
    fake = await startFakeLlm({ responder: keyModel(rounds) });
    const out = path.join(home, 'run');
    const r = await bench(
      home,
      [
        '--data',
        SYNTH,
        '--days',
        '1',
        '--out',
        out,
        '--condition',
        'baseline',
        '--condition',
        'skills',
        '--upstream',
        `${fake.url}/v1`,
        '--model',
        'bench-model',
        '--agent',
        'openclaw',
        '--openclaw-bin',
        agents!.openclaw,
        '--openclaw-node',
        agents!.node,
      ],
      850_000,
    );
    const sid = (c: string) => `bench-${c}-day01-${path.basename(out)}`;
    const agentCalls = fake.requests.filter((q) => toolNames(q).includes('write'));
    const calls = agentCalls.filter((q) => q.headers['x-session-id'] === sid('baseline'));
    const why = `${r.stdout}\n${r.stderr}\n${JSON.stringify(
      calls.map((q) => currentLoop(q).task.slice(-300)),
      null,
      1,
    )}`;
    expect(r.code, why).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    for (const c of ['baseline', 'skills'])
      expect(report.summary[c], why).toMatchObject({
        rounds: 3,
        accuracy: 1,
        mc_exact_rate: 1,
        file_check_pass_rate: 1,
      });

    // Every agent call is OpenClaw's (its system prompt); baseline's went to the upstream directly.
    for (const q of agentCalls)
      expect(JSON.stringify(q.body.messages)).toContain(
        'You are a personal assistant running inside OpenClaw.',
      );
    expect(calls.length).toBeGreaterThanOrEqual(6);
    // Through MetaClaw (skills) the day is one session, by the header OpenClaw sent, ended at its end.
    const db = new Database(path.join(out, 'homes', 'skills', 'metaclaw.db'), { readonly: true });
    const sessions = db.prepare('SELECT id, source, ended_at, end_reason, turn_count FROM sessions').all();
    db.close();
    expect(sessions, JSON.stringify(sessions)).toEqual([
      {
        id: sid('skills'),
        source: 'header',
        ended_at: expect.any(Number),
        end_reason: 'explicit',
        turn_count: agentCalls.length - calls.length,
      },
    ]);
    // The seed transcript starts the session; round 2 carries round 1's feedback; the file
    // rounds went through OpenClaw's write tool; the last feedback is sent alone.
    const first = JSON.stringify(calls[0]!.body.messages);
    expect(first).toContain('Hi, I am Sam. Help me with my notes this week.');
    expect(first).toContain('Hello Sam, happy to help.');
    const fed = `[Previous Feedback] Correct.\n\n${rounds[1]!.question}`;
    expect(calls.some((q) => currentLoop(q).task.includes(fed))).toBe(true);
    expect(calls.filter((q) => currentLoop(q).calls.some((c) => c.name === 'write'))).toHaveLength(2);
    expect(userText(currentLoop(calls.at(-1)!).task)).toBe('[Previous Feedback] Summary saved.');
    // The day's OpenClaw state is its own, its agent works in the day's workspace.
    const cfg = JSON.parse(
      fs.readFileSync(path.join(out, 'openclaw', 'baseline', 'day01', 'openclaw.json'), 'utf8'),
    );
    expect(cfg.agents.entries.metaclaw_agent.workspace).toBe(
      path.join(out, 'workspaces', 'baseline', 'day01'),
    );
    console.log(
      `[bench-openclaw] day 1 (3 rounds) under baseline and skills: ${fake.requests.length} upstream calls (agent and learning) in ${Date.now() - started} ms`,
    );
  }, 900_000);
});
