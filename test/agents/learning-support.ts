import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import YAML from 'yaml';
import {
  type FakeLlm,
  lastUserText,
  lastUserTurn,
  type RecordedRequest,
  type Responder,
  startFakeLlm,
  systemText,
  userTurns,
} from '../fixtures/fake-llm/index.js';
import { tempHome } from '../helpers/tmp.js';
import {
  type AgentRun,
  attachedSkills,
  describeRun,
  eventually,
  metaclaw,
  metaclawOk,
  type RecordedTurn,
  recordedTurns,
  startMetaclaw,
  startTap,
  type Tap,
} from './support.js';

/*
 * Learning from a correction, end to end, with a real agent (learning-<agent>.test.ts): a real
 * `metaclaw start` service wired into the agent by `metaclaw integrate`, and the fake LLM as the
 * agent's model, the judge and the evolver, each scripted and protocol-faithful:
 *
 * - the agent model follows a hidden rule (temperatures in Celsius) only when its request carries the
 *   rule's words, wherever they come from (the user's correction, or a skill MetaClaw injected);
 *   otherwise it answers in Fahrenheit;
 * - the judge scores -1 when the judged response used °F and the next state is the user's correction,
 *   1 when the response is in °C, else 0;
 * - the evolver proposes, once, a skill in words retrieval can match (`weather-in-celsius`).
 *
 * Session 1 asks for the weather, the user corrects the answer in the same agent session, the session
 * ends; the failed turn is judged, the evolver writes the skill, verification replays the failed turn
 * through live retrieval and injection, the replay is in °C, the change is applied (one new library
 * generation). Session 2, a new agent session, asks for the weather elsewhere and gets °C, because
 * retrieval put the learned skill into its request.
 */

export const RULE = 'Always report temperatures in degrees Celsius (°C), never Fahrenheit.';
export const ASK = {
  first: "What's the weather in Lisbon today?",
  correction: 'No — I always want temperatures in Celsius.',
  again: "What's the weather in Oslo today?",
} as const;

/** What the evolver proposes: words a weather request shares (weather, temperatures). */
export const LEARNED = {
  op: 'add',
  name: 'weather-in-celsius',
  description: 'How to report weather and temperatures to this user',
  body: `${RULE} Give the temperature first, then the sky.`,
  category: 'preferences',
} as const;

/** A skill installed from the start that weather requests must not retrieve. */
export const NEIGHBOUR = {
  name: 'packing-lists',
  description: 'How to write a packing list for a trip',
  body: 'Group the items by category and put documents first.',
};

export const PROXY_KEY = 'proxy-key-for-learning';

export function isJudge(r: RecordedRequest): boolean {
  return systemText(r).includes('You evaluate one response');
}
export function isEvolver(r: RecordedRequest): boolean {
  return systemText(r).includes('You maintain a library of skills');
}
/** A call of the agent's model: anything that is not the judge or the evolver. */
export function isAgentCall(r: RecordedRequest): boolean {
  return r.method === 'POST' && !isJudge(r) && !isEvolver(r);
}

export interface JudgeCall {
  request: string;
  response: string;
  next: string;
  score: number;
}

/** What the fake saw of the learning side (the judge's and the evolver's questions). */
export interface Brain {
  judged: JudgeCall[];
  evolverPrompts: string[];
}

function section(prompt: string, name: string, until?: string): string {
  const from = prompt.indexOf(`## ${name}\n`);
  if (from < 0) return '';
  const start = from + name.length + 4;
  const end = until ? prompt.indexOf(`\n\n## ${until}\n`, start) : -1;
  return prompt.slice(start, end < 0 ? undefined : end).trim();
}

/** The weather answer the agent model gives: the city the user last asked about, in °C or °F. */
export function weatherAnswer(req: RecordedRequest): string {
  const cities = [
    ...userTurns(req)
      .map((t) => t.text)
      .join('\n')
      .matchAll(/weather in ([A-Z][a-z]+)/g),
  ];
  const city = cities.at(-1)?.[1] ?? 'your city';
  // The model follows the rule once it was told it, wherever in its request that was.
  return req.rawBody.includes('Celsius')
    ? `It is 21 °C in ${city} today, clear skies.`
    : `It is 70 °F in ${city} today, clear skies.`;
}

/** The fake LLM as agent model, judge and evolver. */
export function learningResponder(brain: Brain): Responder {
  return (req) => {
    if (isJudge(req)) {
      const prompt = lastUserText(req);
      const response = section(prompt, 'Response', 'Next state');
      const next = section(prompt, 'Next state');
      let score = 0;
      let why = 'Nothing shows whether the answer was right.';
      if (response.includes('°C')) {
        score = 1;
        why = 'Reports the temperature in Celsius, as this user wants.';
      } else if (response.includes('°F') && next.includes('Celsius')) {
        score = -1;
        why = 'Gave Fahrenheit; the user corrected it to Celsius.';
      }
      brain.judged.push({ request: section(prompt, 'Request', 'Response'), response, next, score });
      return { text: `${why}\nScore: ${score}` };
    }
    if (isEvolver(req)) {
      brain.evolverPrompts.push(lastUserText(req));
      const ops = brain.evolverPrompts.length === 1 ? [LEARNED] : [];
      return { text: JSON.stringify({ ops }) };
    }
    return { text: weatherAnswer(req) };
  };
}

export interface Rig {
  fake: FakeLlm;
  brain: Brain;
  home: string;
  proxyUrl: string;
  tap: Tap;
  idleTimeoutS: number;
  close(): Promise<void>;
}

/**
 * The fake, a MetaClaw service in a temp HOME (judge and evolution on, the fake as upstream, one
 * unrelated skill) and the tap. The agent is wired by the caller (`metaclaw integrate …`).
 */
export async function startRig(o: {
  prefix: string;
  upstream: 'anthropic' | 'openai';
  idleTimeoutS: number;
  /** Config keys (dotted, one level below the section) and values. */
  settings?: [string, unknown][];
}): Promise<Rig> {
  const brain: Brain = { judged: [], evolverPrompts: [] };
  const fake = await startFakeLlm({ responder: learningResponder(brain) });
  const home = tempHome(o.prefix);
  const settings: [string, unknown][] = [
    ['proxy.api_key', PROXY_KEY],
    ['upstream.provider', o.upstream],
    ['upstream.base_url', o.upstream === 'anthropic' ? fake.url : `${fake.url}/v1`],
    ['upstream.api_key', 'upstream-secret'],
    // The judge and the evolver call the upstream's endpoint (the fake) with their own models.
    ['judge.enabled', true],
    ['judge.model', 'judge-model'],
    ['judge.votes', 1],
    ['evolution.enabled', true],
    ['evolution.model', 'evolver-model'],
    ['evolution.verify', true],
    ['evolution.debounce_ms', 100],
    ['sessions.idle_timeout_s', o.idleTimeoutS],
    ...(o.settings ?? []),
  ];
  // One config.yaml instead of a `metaclaw config set` (a Node start-up) per key; startMetaclaw's
  // `config set proxy.port` then validates the whole file before anything starts.
  const config: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of settings) {
    const [section, ...rest] = k.split('.');
    config[section!] ??= {};
    config[section!]![rest.join('.')] = v;
  }
  fs.mkdirSync(path.join(home, '.metaclaw'), { recursive: true });
  fs.writeFileSync(path.join(home, '.metaclaw', 'config.yaml'), YAML.stringify(config), { mode: 0o600 });
  const { url: proxyUrl } = await startMetaclaw(home, [], NEIGHBOUR);
  const tap = await startTap(proxyUrl);
  return {
    fake,
    brain,
    home,
    proxyUrl,
    tap,
    idleTimeoutS: o.idleTimeoutS,
    async close() {
      await tap.close();
      await metaclaw(home, ['stop']);
      await fake.close();
    },
  };
}

async function admin<T>(rig: Rig, p: string): Promise<T> {
  const res = await fetch(`${rig.proxyUrl}${p}`, { headers: { authorization: `Bearer ${PROXY_KEY}` } });
  if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface SessionInfo {
  id: string;
  client: string | null;
  source: string;
  endedAt: number | null;
  endReason: string | null;
}

export type Turn = RecordedTurn & {
  sessionId: string;
  seq: number;
  startedAt: number;
  libraryGeneration: number;
  response: unknown;
};

export interface Generations {
  current: number;
  data: { number: number; cause: string; detail: string | null }[];
}

export interface Evolution {
  id: number;
  trigger: string;
  supportTurnIds: string[];
  ops: unknown;
  outcome: string;
  reason: string | null;
  generation: number | null;
  verification: {
    accepted: boolean;
    replayed: boolean;
    reason: string;
    notRetrieved: string[];
    cases: {
      turnId: string;
      request: string;
      before: number;
      after: number | null;
      injected: { name: string; how: string; changed: boolean }[];
      changedInjected: string[];
      error?: string;
    }[];
  } | null;
}

export const sessions = (rig: Rig) =>
  admin<{ data: SessionInfo[] }>(rig, '/v1/admin/sessions?limit=1000').then((r) => r.data);
export const generations = (rig: Rig) => admin<Generations>(rig, '/v1/admin/generations');
export const turns = async (rig: Rig) =>
  ((await recordedTurns(rig.proxyUrl, PROXY_KEY)) as Turn[]).sort((a, b) => a.startedAt - b.startedAt);
export const evolutions = async (rig: Rig) =>
  JSON.parse(await metaclawOk(rig.home, ['evolutions', 'list', '--json'])) as Evolution[];

/** The recorded main turn whose user's newest words are `text` (not merely in its history). */
export function turnAsking(list: Turn[], conversationKey: 'messages' | 'input', text: string): Turn {
  const t = list.find((x) => {
    if (x.kind !== 'main') return false;
    const last = userTurns({ body: { [conversationKey]: x.request[conversationKey] } }).at(-1);
    return last?.text.includes(text) ?? false;
  });
  if (!t) throw new Error(`no main turn asking ${JSON.stringify(text)}`);
  return t;
}

/**
 * Where the skills block went (skills.placement: user): exactly one message changed, by the block
 * appended to its content — one more text part (attachedSkills), or, for a Chat message whose content
 * is a string, more text at its end.
 */
function appendedBlock(sent: unknown[], upstream: unknown[]): { index: number; text: string } {
  const changed = sent.flatMap((m, i) => (JSON.stringify(m) === JSON.stringify(upstream[i]) ? [] : [i]));
  const i = changed[0];
  const a = (i === undefined ? {} : sent[i]) as { content?: unknown };
  const b = (i === undefined ? {} : upstream[i]) as { content?: unknown };
  if (
    i === undefined ||
    changed.length !== 1 ||
    typeof a.content !== 'string' ||
    typeof b.content !== 'string'
  )
    return attachedSkills(sent, upstream);
  expect(upstream).toHaveLength(sent.length);
  expect({ ...b, content: null }).toEqual({ ...a, content: null });
  expect(b.content.startsWith(a.content), "the agent's own text is kept, the block follows it").toBe(true);
  return { index: i, text: b.content.slice(a.content.length) };
}

/** The text of a message content: a string or its text parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
    .join('\n');
}

/** Everything worth seeing when a learning test fails. */
export async function describeLearning(
  rig: Rig,
  runs: Record<string, AgentRun | undefined>,
): Promise<string> {
  const out: string[] = [];
  for (const [name, r] of Object.entries(runs)) if (r) out.push(`=== run: ${name}\n${describeRun(name, r)}`);
  out.push(
    `=== tap\n${rig.tap.requests.map((q) => `${q.method} ${q.url} → ${q.status} ${q.headers['x-session-id'] ?? q.headers['x-claude-code-session-id'] ?? q.headers['session_id'] ?? ''}`).join('\n')}\nrefused: ${rig.tap.refused.join(', ') || '(none)'}`,
  );
  const safe = async (name: string, fn: () => Promise<string>) => {
    try {
      out.push(`=== ${name}\n${await fn()}`);
    } catch (err) {
      out.push(`=== ${name}: ${(err as Error).message}`);
    }
  };
  await safe('sessions', async () => JSON.stringify(await sessions(rig), null, 1));
  await safe('recorded turns', async () =>
    (await turns(rig))
      .map(
        (t) =>
          `${t.id} session=${t.sessionId} #${t.seq} ${t.kind} ${t.protocol} ${t.status} gen=${t.libraryGeneration} injected=[${t.injectedRevisionIds.join(',')}] response=${JSON.stringify(t.response).slice(0, 300)}`,
      )
      .join('\n'),
  );
  out.push(`=== judge calls\n${rig.brain.judged.map((j) => JSON.stringify(j)).join('\n')}`);
  out.push(`=== evolver prompts\n${rig.brain.evolverPrompts.join('\n-----\n')}`);
  await safe('evolutions', async () => (await metaclaw(rig.home, ['evolutions', 'list', '--json'])).stdout);
  await safe('generations', async () => JSON.stringify(await generations(rig)));
  out.push(
    `=== fake LLM requests\n${rig.fake.requests.map((r) => `${r.method} ${r.path} ${isJudge(r) ? 'judge' : isEvolver(r) ? 'evolver' : 'agent'} stream=${String(r.body.stream)} ${r.rawBody.includes('Celsius') ? 'has-Celsius' : ''}`).join('\n')}`,
  );
  await safe('service log (tail)', async () =>
    fs
      .readFileSync(path.join(rig.home, '.metaclaw', 'logs', 'metaclaw.log'), 'utf8')
      .split('\n')
      .slice(-40)
      .join('\n'),
  );
  return out.join('\n');
}

/** One real agent as the learning scenario drives it. */
export interface AgentDriver {
  /** The protocol the agent's calls are recorded with. */
  protocol: 'anthropic-messages' | 'openai-responses' | 'openai-chat';
  /** Where the agent's requests hold the conversation. */
  conversationKey: 'messages' | 'input';
  /** `METHOD path` of the agent's LLM calls at the proxy, e.g. `POST /v1/messages?beta=true`. */
  llmCall: string;
  /** Start a new agent session with this user message. */
  newSession(message: string): Promise<AgentRun>;
  /** One more user message in the agent session the last newSession started. */
  continueSession(message: string): Promise<AgentRun>;
  /** The agent's final answer, as it printed it. */
  answerOf(run: AgentRun): string;
  /** Tap requests that may be refused (e.g. Codex's update checks); default none. */
  refusedOk?: (refused: string) => boolean;
  /** Requests through the tap that are not LLM calls but fine (e.g. a plugin ending a session). */
  otherOk?: (method: string, pathname: string) => boolean;
  /**
   * After session 1 (the question and its correction): what ends it, as the user's setup would.
   * Default: nothing, the idle timeout does.
   */
  endSession?: () => Promise<void>;
  /**
   * What starts the evolution: `session-end` (default: session 1 ends with a failure) or
   * `min-failures` (the rig runs with `evolution.min_failures: 1`: the failure itself, judged as soon
   * as the correction arrives; session 1 need not end first).
   */
  trigger?: 'session-end' | 'min-failures';
}

export interface LearningResult {
  runs: { first: AgentRun; correction: AgentRun; again: AgentRun };
  /** MetaClaw's ids of session 1 and session 2. */
  sessionIds: [string, string];
  /** Session 1's end reason (`idle`, `explicit`); null when the trigger did not wait for it. */
  endReason: string | null;
  /** From the end of the correction run to session 1's end, ms (null: not waited for). */
  endAfterMs: number | null;
  /** From session 1's end (or, for `min-failures`, the end of the correction run) to the finished evolution, ms. */
  evolveMs: number;
}

/**
 * The whole story, with the assertions shared by every agent. Any failure carries the agent's
 * output, the tap, the recorded turns, the judge's and evolver's questions, the evolutions and the
 * service log.
 */
export async function learnFromCorrection(rig: Rig, agent: AgentDriver): Promise<LearningResult> {
  const runs: Partial<LearningResult['runs']> = {};
  try {
    return await scenario(rig, agent, runs);
  } catch (err) {
    const e = err as Error;
    e.message = `${e.message}\n\n${await describeLearning(rig, runs)}`;
    throw e;
  }
}

async function scenario(
  rig: Rig,
  agent: AgentDriver,
  runs: Partial<LearningResult['runs']>,
): Promise<LearningResult> {
  const key = agent.conversationKey;
  const g0 = (await generations(rig)).current;

  // Session 1: the question, answered in °F (the rule is hidden), then the user's correction in the
  // same agent session, answered in °C.
  runs.first = await agent.newSession(ASK.first);
  expect(runs.first.code, 'first run exit code').toBe(0);
  expect(agent.answerOf(runs.first)).toContain('°F');
  runs.correction = await agent.continueSession(ASK.correction);
  expect(runs.correction.code, 'correction run exit code').toBe(0);
  expect(agent.answerOf(runs.correction)).toContain('°C');
  const correctionDone = Date.now();

  const t1 = turnAsking(await eventually(() => turns(rig)), key, ASK.first);
  const s1 = t1.sessionId;
  const t2 = await eventually(async () => {
    const list = await turns(rig);
    return list.some((t) => t.kind === 'main' && t.sessionId === s1 && t.seq > t1.seq)
      ? turnAsking(list, key, ASK.correction)
      : null;
  });
  // One agent session is one MetaClaw session; its main turns are exactly the two requests.
  expect(t2.sessionId, 'the correction is in the same session').toBe(s1);
  expect((await turns(rig)).filter((t) => t.sessionId === s1 && t.kind === 'main').map((t) => t.id)).toEqual([
    t1.id,
    t2.id,
  ]);
  // Nothing matched the question before learning: the neighbour skill is not about weather.
  expect(t1.injectedRevisionIds).toEqual([]);

  const trigger = agent.trigger ?? 'session-end';
  let ended: SessionInfo | null = null;
  if (trigger === 'session-end') {
    // The session ends (the agent's own way, or the idle timeout).
    await agent.endSession?.();
    ended = await eventually(
      async () => (await sessions(rig)).find((s) => s.id === s1 && s.endedAt !== null),
      rig.idleTimeoutS * 1000 + 15_000,
    );
  }
  const from = ended?.endedAt ?? correctionDone;

  // One evolution: the evolver saw the failure and its correction; verification replayed the failed
  // turn with the skill that live retrieval chose for it; the replay passed; applied.
  const evolution = await eventually(
    async () => (await evolutions(rig)).find((e) => e.outcome !== 'pending'),
    30_000,
  );
  const evolveMs = Date.now() - from;

  // The judge saw the °F answer with the correction as its next state and scored it -1.
  const judged1 = rig.brain.judged.filter((j) => j.request.includes(ASK.first) && j.response.includes('°F'));
  expect(
    judged1.map((j) => [j.next.includes(ASK.correction), j.score]),
    'turn 1 must be judged once, against the correction (not the end of a session that went idle between the runs)',
  ).toEqual([[true, -1]]);
  expect(rig.brain.evolverPrompts).toHaveLength(1);
  const prompt = rig.brain.evolverPrompts[0]!;
  expect(prompt).toContain(ASK.first);
  expect(prompt).toContain('°F');
  expect(prompt).toContain(ASK.correction);
  expect(evolution).toMatchObject({
    trigger,
    outcome: 'applied',
    supportTurnIds: [t1.id],
    generation: g0 + 1,
  });
  expect(evolution.verification).toMatchObject({ accepted: true, replayed: true, notRetrieved: [] });
  expect(evolution.verification!.cases).toEqual([
    {
      turnId: t1.id,
      request: ASK.first,
      before: -1,
      after: 1,
      injected: [{ name: LEARNED.name, how: 'full', changed: true }],
      changedInjected: [LEARNED.name],
    },
  ]);
  const shown = await metaclawOk(rig.home, ['evolutions', 'show', String(evolution.id)]);
  expect(shown).toContain(`evolution #${evolution.id} (${trigger}) — applied, generation ${g0 + 1}`);
  expect(shown).toContain(`injected ${LEARNED.name} (full, changed)`);
  expect(shown).toContain('score -1 → 1');
  // The replay reached the agent's model once, non-streaming, with the rule on the failed request.
  const replays = rig.fake.requests.filter((r) => isAgentCall(r) && r.body.stream !== true);
  expect(replays).toHaveLength(1);
  expect(replays[0]!.rawBody).toContain(RULE);
  expect(lastUserTurn(replays[0]!)).toContain(ASK.first);

  // The learned skill: evolved, not pinned, live in the new generation.
  const learned = JSON.parse(await metaclawOk(rig.home, ['skills', 'show', LEARNED.name, '--json'])) as {
    revision_id: number;
    generation: number;
    pinned: boolean;
    body: string;
  };
  expect(learned).toMatchObject({ generation: g0 + 1, pinned: false });
  expect(learned.body).toContain(RULE);

  // Session 2, a new agent session: the weather elsewhere, now in °C.
  runs.again = await agent.newSession(ASK.again);
  expect(runs.again.code, 'second-session run exit code').toBe(0);
  expect(agent.answerOf(runs.again)).toContain('°C');
  expect(agent.answerOf(runs.again)).toContain('Oslo');

  const all = await eventually(async () => {
    const list = await turns(rig);
    return list.some((t) => t.kind === 'main' && t.sessionId !== s1) ? list : null;
  });
  const t3 = turnAsking(all, key, ASK.again);
  expect(t3.sessionId, 'session 2 is a new session').not.toBe(s1);
  expect(t3.libraryGeneration).toBe(g0 + 1);
  // Injected by retrieval: the learned revision, and only it (not the neighbour).
  expect(t3.injectedRevisionIds).toEqual([learned.revision_id]);
  const why = JSON.parse(await metaclawOk(rig.home, ['skills', 'why', ASK.again, '--json'])) as {
    generation: number;
    skills: { name: string; revision_id: number; pinned: boolean; injected: string; score: number | null }[];
  };
  expect(why.generation).toBe(g0 + 1);
  expect(why.skills.filter((s) => s.injected !== 'cut')).toEqual([
    expect.objectContaining({
      name: LEARNED.name,
      revision_id: learned.revision_id,
      pinned: false,
      injected: 'full',
    }),
  ]);
  expect(why.skills[0]!.score).toBeGreaterThan(0);
  // The agent's own request carried no rule; the upstream request carried the learned skill in the
  // message holding the user's question (skills.placement: user).
  const sentBody = JSON.parse(
    rig.tap.requests.find((q) => q.body.includes(ASK.again))?.body ?? '{}',
  ) as Record<string, unknown>;
  expect(JSON.stringify(sentBody)).not.toContain('Celsius');
  expect(sentBody[key]).toEqual(t3.request[key]);
  // Translated (Codex on a Chat Completions upstream): the input items became Chat messages.
  const upKey = key in t3.upstream_request ? key : 'messages';
  const upstream = t3.upstream_request[upKey] as { role?: string; content: unknown }[];
  let holder: { role?: string; content: unknown };
  let blockText: string;
  if (upKey === key) {
    const block = appendedBlock(sentBody[key] as unknown[], upstream);
    holder = upstream[block.index]!;
    blockText = block.text;
  } else {
    const withRule = upstream.filter((m) => contentText(m.content).includes(RULE));
    expect(withRule).toHaveLength(1);
    holder = withRule[0]!;
    blockText = contentText(holder.content);
  }
  expect(holder.role).toBe('user');
  expect(contentText(holder.content)).toContain(ASK.again);
  expect(blockText).toContain(`### ${LEARNED.name}`);
  expect(blockText).toContain(RULE);
  expect(blockText).not.toContain(NEIGHBOUR.name);
  const atFake = rig.fake.requests.filter((r) => isAgentCall(r) && r.body.stream === true).at(-1)!;
  expect(atFake.body[upKey]).toEqual(upstream);

  // Nothing else went wrong: every agent call went through the tap to the proxy and was answered;
  // each is one recorded turn, all ok; the library moved exactly once, by this evolution.
  const refused = rig.tap.refused.filter((r) => !agent.refusedOk?.(r));
  expect(refused, 'requests that escaped to somewhere else').toEqual([]);
  const llm = rig.tap.requests.filter((q) => {
    const u = new URL(q.url);
    return !agent.otherOk?.(q.method, u.pathname);
  });
  for (const q of llm) {
    const u = new URL(q.url);
    expect(`${q.method} ${u.origin}${u.pathname}${u.search} → ${q.status}`).toBe(
      `${agent.llmCall.replace(' ', ` ${rig.proxyUrl}`)} → 200`,
    );
  }
  expect(all).toHaveLength(llm.length);
  for (const t of all) expect(t).toMatchObject({ protocol: agent.protocol, status: 'ok', httpStatus: 200 });
  expect(rig.fake.requests.filter(isAgentCall)).toHaveLength(llm.length + 1); // + the replay
  const gens = await generations(rig);
  expect(gens.current).toBe(g0 + 1);
  expect(gens.data.filter((g) => g.number > g0)).toEqual([expect.objectContaining({ number: g0 + 1 })]);
  expect(await evolutions(rig)).toHaveLength(1);

  return {
    runs: runs as LearningResult['runs'],
    sessionIds: [s1, t3.sessionId],
    endReason: ended?.endReason ?? null,
    endAfterMs: ended ? (ended.endedAt ?? 0) - correctionDone : null,
    evolveMs,
  };
}
