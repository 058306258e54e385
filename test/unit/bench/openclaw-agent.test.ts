import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBenchSet } from '../../../src/bench/dataset.js';
import {
  agentArgs,
  gatewayArgs,
  legacySession,
  OpenClawAgent,
  type OpenClawDayOptions,
  openclawAgentFactory,
  openclawConfig,
  parseAgentJson,
} from '../../../src/bench/openclaw-agent.js';
import { nodeVersionOk, OpenClawNotFound, resolveOpenClaw } from '../../../src/bench/openclaw-runtime.js';
import { tempHome } from '../../helpers/tmp.js';

const DAY: OpenClawDayOptions = {
  runtime: { node: '/opt/node24/bin/node', entry: '/opt/openclaw/openclaw.mjs' },
  stateDir: '/tmp/x/state',
  workspace: '/tmp/x/ws',
  agentId: 'metaclaw_agent',
  sessionId: 'day01_b5fb',
  baseUrl: 'http://127.0.0.1:4000/v1',
  apiKey: 'bench',
  model: 'kimi-k2.5',
  metaclawSessionId: 'bench-skills-day01-run1',
};

describe('OpenClaw bench agent: config and arguments', () => {
  it('points the only provider at the condition endpoint, the agent at the workspace, and stays offline', () => {
    const c = JSON.parse(JSON.stringify(openclawConfig(DAY)));
    expect(c.models.providers['metaclaw-bench']).toMatchObject({
      baseUrl: 'http://127.0.0.1:4000/v1',
      apiKey: 'bench',
      api: 'openai-completions',
      headers: { 'x-session-id': 'bench-skills-day01-run1' },
      models: [{ id: 'kimi-k2.5' }],
    });
    expect(Object.keys(c.models.providers)).toEqual(['metaclaw-bench']);
    expect(c.agents.defaults.model.primary).toBe('metaclaw-bench/kimi-k2.5');
    expect(c.agents.entries).toEqual({
      metaclaw_agent: { default: true, name: 'metaclaw_agent', skills: [], workspace: '/tmp/x/ws' },
    });
    expect(c.update).toEqual({ checkOnStart: false });
    expect(c.models.catalogRefresh).toEqual({ enabled: false });
    expect(c.tools).toMatchObject({ profile: 'coding', deny: ['group:memory'] });
    const { metaclawSessionId: _, ...noSession } = DAY;
    const plain = JSON.parse(JSON.stringify(openclawConfig(noSession)));
    expect(plain.models.providers['metaclaw-bench'].headers).toBeUndefined();
    const anthropic = JSON.parse(JSON.stringify(openclawConfig({ ...DAY, protocol: 'anthropic' })));
    expect(anthropic.models.providers['metaclaw-bench'].api).toBe('anthropic-messages');
  });

  it('runs each round as `openclaw agent` in the seed session, through a loopback gateway', () => {
    expect(agentArgs('day01_b5fb', '[Previous Feedback] ok\n\nNext?', 600)).toEqual([
      'agent',
      '--session-id',
      'day01_b5fb',
      '--message',
      '[Previous Feedback] ok\n\nNext?',
      '--json',
      '--timeout',
      '600',
    ]);
    expect(gatewayArgs(4321)).toEqual([
      'gateway',
      'run',
      '--port',
      '4321',
      '--bind',
      'loopback',
      '--allow-unconfigured',
    ]);
  });

  it("keeps an OpenClaw transcript as it is, under the session's id, with its sessions.json row", () => {
    const dir = tempHome();
    const file = path.join(dir, 'day01_b5fb.jsonl');
    const lines = [
      { type: 'session', version: 3, id: 'old-id', timestamp: '2026-03-16T01:00:00.000Z' },
      { type: 'model_change', id: 'a1', parentId: null, provider: 'anthropic', modelId: 'x' },
      {
        type: 'message',
        id: 'm1',
        parentId: 'a1',
        message: { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      },
    ];
    fs.writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const s = legacySession('day01_b5fb', 'metaclaw_agent', file, [], 'm')!;
    const out = s.jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out[0]).toEqual({ ...lines[0], id: 'day01_b5fb' });
    expect(out.slice(1)).toEqual(lines.slice(1));
    expect(s.index).toEqual({
      'agent:metaclaw_agent:day01_b5fb': {
        sessionId: 'day01_b5fb',
        sessionFile: 'day01_b5fb.jsonl',
        updatedAt: expect.any(Number),
      },
    });
  });

  it('builds a transcript from the seed messages when the file is not an OpenClaw session; none without a seed', () => {
    const s = legacySession(
      'seed',
      'main',
      null,
      [
        { role: 'user', content: 'Hi, I am Sam.' },
        { role: 'assistant', content: 'Hello Sam.' },
      ],
      'bench-model',
    )!;
    const out = s.jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out[0]).toMatchObject({ type: 'session', version: 3, id: 'seed' });
    expect(out.slice(1).map((e) => [e.parentId, e.message.role, e.message.content[0].text])).toEqual([
      [null, 'user', 'Hi, I am Sam.'],
      [out[1].id, 'assistant', 'Hello Sam.'],
    ]);
    expect(legacySession('seed', 'main', '/nonexistent.jsonl', [], 'm')).toBeNull();
  });

  it('reads the answer and usage of `openclaw agent --json`, gateway and --local shapes', () => {
    const meta = { agentMeta: { usage: { input: 100, output: 7, total: 107 }, assistantTurns: 2 } };
    const payloads = [{ text: '\\bbox{A,C}' }, { text: 'Done.' }];
    const want = { answer: '\\bbox{A,C}\nDone.', input: 100, output: 7, calls: 2 };
    expect(parseAgentJson(JSON.stringify({ runId: 'r', status: 'ok', result: { payloads, meta } }))).toEqual(
      want,
    );
    expect(parseAgentJson(JSON.stringify({ payloads, meta }))).toEqual(want);
    expect(parseAgentJson('gateway closed')).toBeNull();
  });
});

describe('OpenClaw bench agent: one per day and condition', () => {
  it("gives each day its own state folder, the manifest's agent and seed session, and the condition's endpoint", async () => {
    const set = loadBenchSet(path.resolve('test/fixtures/bench-synth'));
    const day = set.days[1]!;
    const make = openclawAgentFactory(DAY.runtime, { stateRoot: '/tmp/run/openclaw', protocol: 'anthropic' });
    const agent = await make({
      set,
      day,
      condition: 'skills',
      baseUrl: 'http://127.0.0.1:5000',
      apiKey: 'bench',
      model: 'claude-x',
      workspace: '/tmp/run/workspaces/skills/day02',
      system: '',
      sessionId: 'bench-skills-day02-run',
    });
    expect(agent).toBeInstanceOf(OpenClawAgent);
    expect((agent as OpenClawAgent).o).toMatchObject({
      stateDir: '/tmp/run/openclaw/skills/day02',
      workspace: '/tmp/run/workspaces/skills/day02',
      agentId: 'metaclaw_agent',
      sessionId: day.session,
      seedFile: path.join(set.stateDir, 'agents', 'metaclaw_agent', 'sessions', `${day.session}.jsonl`),
      baseUrl: 'http://127.0.0.1:5000',
      model: 'claude-x',
      protocol: 'anthropic',
      metaclawSessionId: 'bench-skills-day02-run',
    });
    expect(fs.existsSync((agent as OpenClawAgent).o.seedFile!)).toBe(true);
  });
});

describe('OpenClaw bench agent: finding OpenClaw and Node', () => {
  it('accepts Node 24.16 and later only', () => {
    expect(nodeVersionOk('v24.16.0')).toBe(true);
    expect(nodeVersionOk('v24.22.3')).toBe(true);
    expect(nodeVersionOk('v25.0.0')).toBe(true);
    expect(nodeVersionOk('v24.15.9')).toBe(false);
    expect(nodeVersionOk('v20.20.2')).toBe(false);
  });

  it('says how to install when OpenClaw is nowhere, or --openclaw-bin does not exist', () => {
    const env = { PATH: '/nonexistent', METACLAW_AGENT_CACHE: tempHome() };
    expect(() => resolveOpenClaw({ env })).toThrow(OpenClawNotFound);
    expect(() => resolveOpenClaw({ env })).toThrow(/OpenClaw not found.*npm run agents:install/);
    expect(() => resolveOpenClaw({ env, bin: '/nonexistent/openclaw.mjs' })).toThrow(
      '--openclaw-bin /nonexistent/openclaw.mjs: no such file',
    );
  });

  it('refuses a Node older than 24.16, naming it and --openclaw-node', () => {
    const entry = path.join(tempHome(), 'openclaw.mjs');
    fs.writeFileSync(entry, '');
    if (nodeVersionOk(process.version)) {
      expect(resolveOpenClaw({ bin: entry, node: process.execPath })).toEqual({
        node: process.execPath,
        entry: fs.realpathSync(entry),
      });
      return;
    }
    expect(() => resolveOpenClaw({ bin: entry, node: process.execPath })).toThrow(
      `OpenClaw needs Node >= 24.16, but ${process.execPath} is ${process.version}; pass --openclaw-node`,
    );
  });
});
