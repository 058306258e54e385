import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { App } from '../../src/app.js';
import { runDoctor } from '../../src/cli/doctor.js';
import { runSetup } from '../../src/cli/setup.js';
import { statusReport } from '../../src/cli/status.js';
import { type LoadedConfig, storePath, validateConfig } from '../../src/config/load.js';
import type { Choice, Prompter } from '../../src/integrations/prompter.js';
import { localDay } from '../../src/learning/call-budget.js';
import { FORMAT_REMINDER } from '../../src/learning/judge/prompt.js';
import { openStore } from '../../src/store/db.js';
import { JudgeHealthRepository } from '../../src/store/judge-health.js';
import {
  type FakeLlm,
  lastUserText,
  type RecordedRequest,
  type Reply,
  startFakeLlm,
  systemText,
} from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, tempHome } from '../helpers/proxy.js';

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm({ models: ['agent-model', 'judge-model'] });
});
afterAll(async () => {
  await fake.close();
});

const isJudge = (r: RecordedRequest) => systemText(r).includes('You evaluate one response');
const isReminder = (r: RecordedRequest) => lastUserText(r).includes(FORMAT_REMINDER);

function script(judgeReply: (req: RecordedRequest) => Reply): void {
  fake.script((req) => (isJudge(req) ? judgeReply(req) : { text: `answer ${lastUserText(req).length}` }));
}

const rawConfig = () => ({
  upstream: openaiUpstream(fake.url),
  judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge-model', votes: 3 },
});

interface Service {
  app: App;
  loaded: LoadedConfig;
  warnings: { msg: string; judgeModel?: string }[];
  close(): Promise<void>;
}

/** The service with its log captured (warn and above), on a given MetaClaw home. */
async function startService(home: string): Promise<Service> {
  const config = validateConfig(rawConfig());
  const loaded: LoadedConfig = { config, file: path.join(home, 'config.yaml'), home, fileExists: false };
  const warnings: Service['warnings'] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  const app = await App.create({ loaded, port: 0, env: {}, log });
  await app.start();
  return { app, loaded, warnings, close: () => app.stop(2000) };
}

async function converse(proxyUrl: string, sessionId: string, userTurns: string[]) {
  const client = new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: 'k', maxRetries: 0 });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  for (let i = 0; i < userTurns.length; i++) {
    messages.push({ role: 'user', content: userTurns[i]! });
    const done = i === userTurns.length - 1;
    const r = await client.chat.completions.create(
      { model: 'agent-model', messages },
      { headers: { 'x-session-id': sessionId, ...(done ? { 'x-session-done': 'true' } : {}) } },
    );
    messages.push({ role: 'assistant', content: r.choices[0]!.message.content });
  }
}

async function judged(s: Service, sessionId: string, n: number) {
  const turns = await eventually(() => {
    const t = s.app.turns.listBySession(sessionId);
    return t.length === n && t.every((x) => s.app.rewards.forTurn(x.id).length === 1) ? t : null;
  }, 15_000);
  await s.app.runner.idle();
  return turns;
}

const health = (s: Service) => new JudgeHealthRepository(s.app.db).forDay(localDay(new Date()));

describe('judge health: invalid votes', () => {
  it('a reply without a Score line is asked again with a format reminder; a valid answer then counts as valid', async () => {
    script((req) =>
      isReminder(req) ? { text: 'It answered the question.\nScore: 1' } : { text: 'It answered, I believe.' },
    );
    const before = fake.requests.length;
    const s = await startService(tempHome());
    try {
      await converse(s.app.url, 's-retry', ['what is 2+2']);
      const [turn] = await judged(s, 's-retry', 1);
      const calls = fake.requests.slice(before).filter(isJudge);
      expect(calls).toHaveLength(6); // 3 votes + 3 reminders
      const reminders = calls.filter(isReminder);
      expect(reminders).toHaveLength(3);
      // The reminder quotes the unparsable reply and goes to the same judge model.
      expect(lastUserText(reminders[0]!)).toContain('## Your previous reply\nIt answered, I believe.');
      expect(lastUserText(reminders[0]!)).toMatch(/## Request\n.*what is 2\+2[\s\S]*## Your previous reply/);
      expect(reminders.every((r) => r.body.model === 'judge-model')).toBe(true);
      expect(s.app.rewards.effective(turn!.id)).toMatchObject({ score: 1, votes: [1, 1, 1] });
      expect(health(s)).toMatchObject([{ model: 'judge-model', votes: 3, invalid: 0, retried: 3 }]);
      // The reminders were paid from the daily budget.
      const used = s.app.db.prepare(`SELECT calls FROM llm_calls WHERE purpose = 'judge'`).get() as {
        calls: number;
      };
      expect(used.calls).toBe(6);
      const st = await statusReport(s.loaded);
      expect(st.json.judge_health).toMatchObject({ warnings: [], models: [{ votes: 3, invalid: 0 }] });
      expect(st.text.join('\n')).toMatch(/judge: {4}today judge-model: 3 votes, 0 invalid/);
      expect(st.text.join('\n')).not.toMatch(/! judge model/);
      expect(s.warnings.filter((w) => w.judgeModel)).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('a judge that never gives a Score line: invalid votes are counted; status, doctor, /healthz and the log (once) name the model', async () => {
    script(() => ({ text: 'The response seems reasonable overall.' }));
    const before = fake.requests.length;
    const home = tempHome();
    let s = await startService(home);
    try {
      await converse(s.app.url, 's-bad', ['one', 'two', 'three']);
      const turns = await judged(s, 's-bad', 3);
      expect(fake.requests.slice(before).filter(isJudge)).toHaveLength(18); // every vote retried once
      expect(turns.map((t) => s.app.rewards.effective(t.id)!.score)).toEqual([0, 0, 0]);
      expect(health(s)).toMatchObject([{ model: 'judge-model', votes: 9, invalid: 9, retried: 9 }]);

      // The service log warns once, when the threshold is crossed, not once per vote or job.
      const logged = s.warnings.filter((w) => w.judgeModel);
      expect(logged).toHaveLength(1);
      expect(logged[0]!.judgeModel).toBe('judge-model');
      expect(logged[0]!.msg).toMatch(
        /judge model judge-model: (6|9) of \1 votes .* no parsable "Score:" line/,
      );
      expect(logged[0]!.msg).toMatch(/judge\.model/);

      const hz = (await (await fetch(`${s.app.url}/healthz`)).json()) as {
        status: string;
        judge_health: { warnings: string[] };
      };
      expect(hz.status).toBe('ok');
      expect(hz.judge_health.warnings[0]).toMatch(/^judge model judge-model: 9 of 9 votes/);

      const st = await statusReport(s.loaded);
      expect(st.json.judge_health).toMatchObject({
        day: localDay(new Date()),
        models: [{ model: 'judge-model', votes: 9, invalid: 9, invalid_share: 1, unhealthy: true }],
      });
      const text = st.text.join('\n');
      expect(text).toMatch(/ {2}! judge model judge-model: 9 of 9 votes .* had no parsable "Score:" line/);
      expect(text).toMatch(
        /fix: use a judge model that follows the answer format: metaclaw config set judge\.model/,
      );

      const file = path.join(home, 'config.yaml');
      fs.writeFileSync(file, YAML.stringify(rawConfig()));
      const checks = await runDoctor({ config: file }, { METACLAW_HOME: home }, 3000);
      const judgeWarn = checks.find((c) => c.name === 'judge' && c.status === 'warn');
      expect(judgeWarn?.detail).toMatch(/judge model judge-model: 9 of 9 votes/);
      expect(judgeWarn?.hint).toMatch(/judge\.model/);
    } finally {
      await s.close();
    }

    // After a restart the figures are still there, and the log does not warn again today.
    s = await startService(home);
    try {
      expect(health(s)).toMatchObject([{ votes: 9, invalid: 9 }]);
      await converse(s.app.url, 's-bad-2', ['four']);
      await judged(s, 's-bad-2', 1);
      expect(health(s)).toMatchObject([{ votes: 12, invalid: 12 }]);
      expect(s.warnings.filter((w) => w.judgeModel)).toEqual([]);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('doctor shows no judge warning while invalid votes stay under a third', async () => {
    const home = tempHome();
    const db = openStore(storePath({ config: validateConfig({}), home, file: '', fileExists: false }));
    new JudgeHealthRepository(db).record(localDay(new Date()), 'judge-model', {
      votes: 9,
      invalid: 3, // exactly a third
      retried: 4,
    });
    db.close();
    const file = path.join(home, 'config.yaml');
    fs.writeFileSync(file, YAML.stringify(rawConfig()));
    const checks = await runDoctor({ config: file }, { METACLAW_HOME: home }, 3000);
    const judgeChecks = checks.filter((c) => c.name === 'judge');
    expect(judgeChecks.every((c) => c.status === 'ok')).toBe(true);
    expect(judgeChecks.map((c) => c.detail)).toContain(
      'model judge-model today: 9 votes, 3 without a Score line',
    );
    const st = await statusReport({ config: validateConfig(rawConfig()), home, file, fileExists: true });
    expect((st.json.judge_health as { warnings: string[] }).warnings).toEqual([]);
  });
});

/** Answers the wizard's questions in order (each answer names the question it expects). */
function scripted(answers: [RegExp, string][]): Prompter {
  const next = (m: string) => {
    const a = answers.shift();
    if (!a) throw new Error(`unexpected question: ${m}`);
    if (!a[0].test(m)) throw new Error(`expected ${a[0]}, got question: ${m}`);
    return a[1];
  };
  return {
    select: async <T extends string>(m: string, _c: Choice<T>[]) => next(m) as T,
    text: async (m) => next(m),
    password: async (m) => next(m),
    confirm: async () => false,
    info: () => {},
    warn: () => {},
  };
}

describe('setup: the judge defaults to the served model', () => {
  const setupDeps = (home: string, prompter: Prompter | null, lines: string[]) => ({
    loaded: {
      config: validateConfig({}),
      file: path.join(home, 'config.yaml'),
      home,
      fileExists: false,
    },
    env: {},
    prompter,
    say: (l: string) => lines.push(l),
  });
  const flags = {
    nonInteractive: true,
    agent: 'openclaw',
    provider: 'openai',
    model: 'gpt-4.1',
    apiKeyEnv: 'OPENAI_API_KEY',
    skipCheck: true,
    wire: false,
  };

  it('--non-interactive warns about the cost when no judge model is set, and suggests a small one', async () => {
    const lines: string[] = [];
    await runSetup(flags, setupDeps(tempHome(), null, lines));
    const out = lines.join('\n');
    expect(out).toMatch(/! judge: no judge\.model set, so the judge uses the served model \(gpt-4\.1\)/);
    expect(out).toMatch(/3 extra calls of it per main turn/);
    expect(out).toMatch(/--judge-model gpt-4\.1-mini/);
  });

  it('--non-interactive with --judge-model does not warn', async () => {
    const lines: string[] = [];
    await runSetup({ ...flags, judgeModel: 'gpt-4.1-mini' }, setupDeps(tempHome(), null, lines));
    expect(lines.join('\n')).not.toMatch(/judge\.model set/);
    expect(lines.join('\n')).toMatch(/wrote /);
  });

  it('the wizard warns when the judge model question is left blank (Anthropic: suggests a Haiku model)', async () => {
    const lines: string[] = [];
    const p = scripted([
      [/agent/, 'claude-code'],
      [/LLM/, 'anthropic'],
      [/Base URL/, 'https://api.anthropic.com'],
      [/Model/, 'claude-sonnet-4-5'],
      [/API key/, 'none'],
      [/Learning mode/, 'skills'],
      [/Judge model/, ''],
    ]);
    await runSetup({ skipCheck: true, wire: false }, setupDeps(tempHome(), p, lines));
    const out = lines.join('\n');
    expect(out).toMatch(/served model \(claude-sonnet-4-5\): 3 extra calls/);
    expect(out).toMatch(/--judge-model claude-haiku-4-5/);
  });

  it('the wizard does not warn when a judge model is given', async () => {
    const lines: string[] = [];
    const p = scripted([
      [/agent/, 'claude-code'],
      [/LLM/, 'anthropic'],
      [/Base URL/, 'https://api.anthropic.com'],
      [/Model/, 'claude-sonnet-4-5'],
      [/API key/, 'none'],
      [/Learning mode/, 'skills'],
      [/Judge model/, 'claude-haiku-4-5'],
    ]);
    await runSetup({ skipCheck: true, wire: false }, setupDeps(tempHome(), p, lines));
    expect(lines.join('\n')).not.toMatch(/judge\.model set/);
  });
});
