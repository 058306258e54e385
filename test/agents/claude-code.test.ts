import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { tempHome } from '../helpers/tmp.js';
import {
  agents,
  attachedSkills,
  describeRun,
  eventually,
  metaclaw,
  metaclawOk,
  recordedTurns,
  runAgent,
  startMetaclaw,
  startTap,
  type Tap,
} from './support.js';

/*
 * The real Claude Code CLI (npm @anthropic-ai/claude-code, from the agent cache: install.ts), wired by
 * `metaclaw integrate claude-code` into a temp HOME, runs one `claude -p` task through a real
 * `metaclaw start` service in front of the fake LLM (as an Anthropic upstream). Claude Code is given no
 * ANTHROPIC_* variables: it must find the proxy and key in the ~/.claude/settings.json the wiring wrote.
 */

const ANSWER = 'PELICAN-42: the throat pouch holds about three gallons.';
const PROMPT = 'What is special about a pelican beak? Answer briefly.';
const PROXY_KEY = 'proxy-key-for-claude';
const SKILL = {
  name: 'pelican-beak-facts',
  description: 'How to answer questions about pelican beaks and their pouches',
  body: 'When asked about a pelican beak, mention the throat pouch.',
};

let fake: FakeLlm;
let home: string;
let proxyUrl: string;
let tap: Tap;

beforeAll(async () => {
  fake = await startFakeLlm({ responder: () => ({ text: ANSWER }) });
  home = tempHome('metaclaw-agent-claude-');
  ({ url: proxyUrl } = await startMetaclaw(
    home,
    [
      ['proxy.api_key', PROXY_KEY],
      ['upstream.provider', 'anthropic'],
      ['upstream.base_url', fake.url],
      ['upstream.api_key', 'upstream-secret'],
      ['upstream.model', 'fake-model'],
      // Judge and evolver would call the fake too; this test is about the agent's own calls.
      ['judge.enabled', 'false'],
      ['evolution.enabled', 'false'],
    ],
    SKILL,
  ));
  tap = await startTap(proxyUrl);
}, 60_000);

afterAll(async () => {
  await tap?.close();
  if (home) await metaclaw(home, ['stop']);
  await fake?.close();
  if (home && !process.env.METACLAW_KEEP_AGENT_HOMES) fs.rmSync(home, { recursive: true, force: true });
});

describe('Claude Code through MetaClaw', () => {
  it('claude -p gets its answer via the wired settings; the turn is recorded with skills injected', async () => {
    const wired = await metaclawOk(home, ['integrate', 'claude-code']);
    expect(wired).toContain(proxyUrl);
    const settings = JSON.parse(fs.readFileSync(path.join(home, '.claude', 'settings.json'), 'utf8')) as {
      env: Record<string, string>;
    };
    expect(settings.env).toEqual({ ANTHROPIC_BASE_URL: proxyUrl, ANTHROPIC_AUTH_TOKEN: PROXY_KEY });

    const work = fs.mkdtempSync(path.join(home, 'work-'));
    const run = await runAgent(agents().claude, ['-p', PROMPT, '--output-format', 'json'], {
      cwd: work,
      timeoutMs: 100_000,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        // Documented switches: no telemetry, error reports, auto-update or other nonessential calls.
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        DISABLE_AUTOUPDATER: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        // Everything the agent sends goes through the tap, which only lets the proxy through.
        HTTP_PROXY: tap.url,
        HTTPS_PROXY: tap.url,
        http_proxy: tap.url,
        https_proxy: tap.url,
      },
    });
    const why = describeRun('claude', run, tap);
    expect(run.code, why).toBe(0);
    const out = JSON.parse(run.stdout) as { result: string; is_error: boolean };
    expect(out.is_error, why).toBe(false);
    expect(out.result, why).toBe(ANSWER);

    // What Claude Code sent: only the proxy, with the wired key, on /v1/messages?beta=true (plus,
    // in some versions, a HEAD / probe), every call answered.
    expect(tap.refused, why).toEqual([]);
    for (const q of tap.requests) {
      expect(q.url.startsWith(`${proxyUrl}/`), why).toBe(true);
      expect(q.status, why).toBeLessThan(300);
      if (q.method === 'HEAD') expect(new URL(q.url).pathname).toBe('/');
    }
    const posts = tap.requests.filter((q) => q.method === 'POST');
    expect(posts.length, why).toBeGreaterThan(0);
    for (const q of posts) {
      expect(q.url, why).toBe(`${proxyUrl}/v1/messages?beta=true`);
      expect(q.headers.authorization).toBe(`Bearer ${PROXY_KEY}`);
    }
    const sent = posts.map((q) => JSON.parse(q.body) as Record<string, unknown>);
    const mainSent = sent.find((b) => JSON.stringify(b.messages).includes(PROMPT));
    expect(mainSent, why).toBeDefined();
    // A real agent call: big, with tools and cache_control system blocks.
    expect(Array.isArray(mainSent!.tools) && mainSent!.tools.length, why).toBeGreaterThan(5);
    expect(JSON.stringify(mainSent!.system)).toContain('cache_control');

    const turns = await eventually(async () => {
      const t = await recordedTurns(proxyUrl, PROXY_KEY);
      return t.length >= posts.length ? t : null;
    });
    expect(turns).toHaveLength(posts.length);
    const main = turns.filter((t) => t.kind === 'main');
    expect(main.length).toBeGreaterThan(0);
    for (const t of turns) expect(t).toMatchObject({ protocol: 'anthropic-messages', status: 'ok' });
    const mainTurn = main.find((t) => JSON.stringify(t.request.messages).includes(PROMPT))!;
    expect(mainTurn.injectedRevisionIds.length).toBeGreaterThan(0);

    // Recorded as received; sent upstream with the agent's system blocks unchanged (cache_control and
    // all) and, by default (skills.placement: user), our block as one more text part of the message
    // that carries the task.
    expect(mainTurn.request.system).toEqual(mainSent!.system);
    expect(mainTurn.request.messages).toEqual(mainSent!.messages);
    expect(mainTurn.upstream_request.system).toEqual(mainSent!.system);
    const sentMessages = mainSent!.messages as { content: unknown }[];
    const block = attachedSkills(sentMessages, mainTurn.upstream_request.messages as unknown[]);
    expect(JSON.stringify(sentMessages[block.index]!.content)).toContain(PROMPT);
    expect(block.text).toContain('## Skills');
    expect(block.text).toContain(SKILL.name);

    // And that is what reached the upstream, with the agent's tools as sent.
    const atFake = fake.requests.find((r) => JSON.stringify(r.body.messages).includes(PROMPT));
    expect(atFake?.path).toBe('/v1/messages');
    expect(atFake?.apiKey).toBe('upstream-secret');
    expect(atFake?.body.system).toEqual(mainSent!.system);
    expect(atFake?.body.messages).toEqual(mainTurn.upstream_request.messages);
    expect(atFake?.body.tools).toEqual(mainSent!.tools);
  }, 120_000);
});
