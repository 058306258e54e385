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
 * The real Codex CLI (npm @openai/codex, from the agent cache: install.ts), wired by `metaclaw integrate
 * codex` into a temp HOME, runs one `codex exec` task through a real `metaclaw start` service in front
 * of the fake LLM, twice:
 *
 * - native (`upstream.responses_api: native`): /v1/responses is passed through to the fake's
 *   /v1/responses, the agent's input items and tools untouched;
 * - translate (`upstream.responses_api: translate`): /v1/responses becomes Chat Completions, as for
 *   Ollama / vLLM / OpenRouter. Codex 0.169 offers function tools, a `namespace` tool (multi_agent_v1)
 *   and a hosted `web_search` tool on every call: the namespace's functions must reach the upstream
 *   as `multi_agent_v1__<name>` and web_search must be left out, not fail the call.
 */

const ANSWER = 'PELICAN-42: the throat pouch holds about three gallons.';
const PROMPT = 'What is special about a pelican beak? Answer briefly.';
const PROXY_KEY = 'proxy-key-for-codex';
const SKILL = {
  name: 'pelican-beak-facts',
  description: 'How to answer questions about pelican beaks and their pouches',
  body: 'When asked about a pelican beak, mention the throat pouch.',
};

type Mode = 'native' | 'translate';

interface Install {
  home: string;
  proxyUrl: string;
  tap: Tap;
}

let fake: FakeLlm;
const installs: Partial<Record<Mode, Install>> = {};

async function install(mode: Mode): Promise<Install> {
  const home = tempHome(`metaclaw-agent-codex-${mode}-`);
  const { url: proxyUrl } = await startMetaclaw(
    home,
    [
      ['proxy.api_key', PROXY_KEY],
      ['upstream.provider', 'openai'],
      ['upstream.base_url', `${fake.url}/v1`],
      ['upstream.api_key', 'upstream-secret'],
      ['upstream.model', 'fake-model'],
      ['upstream.responses_api', mode],
      ['judge.enabled', 'false'],
      ['evolution.enabled', 'false'],
    ],
    SKILL,
  );
  return { home, proxyUrl, tap: await startTap(proxyUrl) };
}

beforeAll(async () => {
  fake = await startFakeLlm({ responder: () => ({ text: ANSWER }) });
  const [native, translate] = await Promise.all([install('native'), install('translate')]);
  installs.native = native;
  installs.translate = translate;
}, 60_000);

afterAll(async () => {
  for (const i of Object.values(installs)) {
    await i.tap.close();
    await metaclaw(i.home, ['stop']);
    if (!process.env.METACLAW_KEEP_AGENT_HOMES) fs.rmSync(i.home, { recursive: true, force: true });
  }
  await fake?.close();
});

/** Wire Codex with `metaclaw integrate codex`, run one `codex exec`, check what it sent and recorded. */
async function runCodex({ home, proxyUrl, tap }: Install) {
  const wired = await metaclawOk(home, ['integrate', 'codex']);
  const keyLine = /export METACLAW_API_KEY=(\S+)/.exec(wired);
  expect(keyLine?.[1]).toBe(PROXY_KEY);
  const toml = fs.readFileSync(path.join(home, '.codex', 'config.toml'), 'utf8');
  expect(toml).toContain('[model_providers.metaclaw]');
  expect(toml).toContain(`base_url = "${proxyUrl}/v1"`);
  expect(toml).toContain('wire_api = "responses"');
  expect(toml).toContain('env_key = "METACLAW_API_KEY"');

  const work = fs.mkdtempSync(path.join(home, 'work-'));
  const run = await runAgent(
    agents().codex,
    [
      'exec',
      '--skip-git-repo-check',
      // Documented config keys: no update check, no analytics, no feedback uploads.
      '-c',
      'check_for_update_on_startup=false',
      '-c',
      'analytics.enabled=false',
      '-c',
      'feedback.enabled=false',
      PROMPT,
    ],
    {
      cwd: work,
      timeoutMs: 100_000,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        METACLAW_API_KEY: keyLine![1],
        // Everything the agent sends goes through the tap, which only lets the proxy through.
        HTTP_PROXY: tap.url,
        HTTPS_PROXY: tap.url,
        ALL_PROXY: tap.url,
        http_proxy: tap.url,
        https_proxy: tap.url,
      },
    },
  );
  const why = describeRun('codex', run, tap);
  expect(run.code, why).toBe(0);
  expect(run.stdout, why).toContain(ANSWER);

  // What Codex sent to the proxy: streaming Responses calls with the wired key.
  const posts = tap.requests.filter((q) => q.url.startsWith(`${proxyUrl}/`));
  expect(posts.length, why).toBeGreaterThan(0);
  for (const q of posts) {
    expect(`${q.method} ${q.url}`, why).toBe(`POST ${proxyUrl}/v1/responses`);
    expect(q.status, why).toBe(200);
    expect(q.headers.authorization).toBe(`Bearer ${PROXY_KEY}`);
  }
  const sent = posts.map((q) => JSON.parse(q.body) as Record<string, unknown>);
  const mainSent = sent.find((b) => JSON.stringify(b.input).includes(PROMPT));
  expect(mainSent, why).toBeDefined();
  expect(mainSent!.stream).toBe(true);
  expect(Array.isArray(mainSent!.tools) && mainSent!.tools.length, why).toBeGreaterThan(0);
  // Codex's other attempts (update / plugin / ChatGPT hosts) never left the machine.
  for (const r of tap.refused) expect(r, why).toMatch(/^CONNECT /);

  const turns = await eventually(async () => {
    const t = await recordedTurns(proxyUrl, PROXY_KEY);
    return t.length >= posts.length ? t : null;
  });
  expect(turns).toHaveLength(posts.length);
  for (const t of turns) expect(t).toMatchObject({ protocol: 'openai-responses', status: 'ok' });
  const mainTurn = turns.find((t) => t.kind === 'main' && JSON.stringify(t.request.input).includes(PROMPT));
  expect(mainTurn, JSON.stringify(turns.map((t) => [t.kind, t.protocol]))).toBeDefined();
  expect(mainTurn!.injectedRevisionIds.length).toBeGreaterThan(0);
  return { mainSent: mainSent!, mainTurn: mainTurn! };
}

describe('Codex CLI through MetaClaw', () => {
  it('native: codex exec gets its answer via the wired config.toml; the turn is recorded with skills on its task item', async () => {
    const { mainSent, mainTurn } = await runCodex(installs.native!);
    // By default (skills.placement: user) the block rides on the input item that carries the task;
    // instructions (Codex's prompt is a developer item), the other items and tools reach the
    // upstream unchanged.
    expect(mainTurn.upstream_request.instructions).toEqual(mainSent.instructions);
    const sentInput = mainSent.input as { content: unknown }[];
    const block = attachedSkills(sentInput, mainTurn.upstream_request.input as unknown[]);
    expect(JSON.stringify(sentInput[block.index]!.content)).toContain(PROMPT);
    expect(block.text).toContain('## Skills');
    expect(block.text).toContain(SKILL.name);
    const atFake = fake.requests.find(
      (r) => r.path === '/v1/responses' && JSON.stringify(r.body.input).includes(PROMPT),
    );
    expect(atFake?.apiKey).toBe('upstream-secret');
    expect(atFake?.body.instructions).toEqual(mainSent.instructions);
    expect(atFake?.body.input).toEqual(mainTurn.upstream_request.input);
    expect(atFake?.body.tools).toEqual(mainSent.tools);
  }, 120_000);

  it('translate: codex exec is served by a Chat Completions upstream, its namespace tool flattened and web_search left out', async () => {
    const { mainSent, mainTurn } = await runCodex(installs.translate!);
    const sentTypes = (mainSent.tools as { type: string; name?: string }[]).map((t) => t.type);
    const atFake = fake.requests.find(
      (r) => r.path === '/v1/chat/completions' && JSON.stringify(r.body.messages).includes(PROMPT),
    );
    expect(atFake, JSON.stringify(fake.requests.map((r) => r.path))).toBeDefined();
    expect(atFake!.apiKey).toBe('upstream-secret');
    expect(atFake!.body.stream).toBe(true);
    const names = (atFake!.body.tools as { type: string; function: { name: string } }[]).map((t) => {
      expect(t.type).toBe('function');
      expect(t.function.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      return t.function.name;
    });
    // Every function Codex offered, directly or inside a namespace, reaches the upstream once.
    const offered = (mainSent.tools as { type: string; name: string; tools?: { name: string }[] }[]).flatMap(
      (t) =>
        t.type === 'function'
          ? [t.name]
          : t.type === 'namespace'
            ? (t.tools ?? []).map((inner) => `${t.name}__${inner.name}`)
            : [],
    );
    expect(names).toEqual(offered);
    if (sentTypes.includes('namespace')) expect(names.some((n) => n.includes('__'))).toBe(true);
    expect(JSON.stringify(atFake!.body.tools)).not.toContain('web_search');
    // Skills are injected into the Chat messages the instructions and developer items became.
    expect(JSON.stringify(atFake!.body.messages)).toContain(SKILL.name);
    expect(mainTurn.upstream_request.messages).toEqual(atFake!.body.messages);
  }, 120_000);
});
