import path from 'node:path';
import { type AgentFactory, type AgentTurn, type BenchAgent, BuiltinAgent } from './agent.js';
import { type Checkpoint, type DayRecord, type DayStats, emptyStats, RunFiles } from './checkpoint.js';
import type { BenchDay, BenchRound, BenchSet } from './dataset.js';
import { feedbackText, standaloneFeedback, withFeedback } from './feedback.js';
import type { RoundResult } from './report.js';
import { scoreFileCheck, scoreMultiChoice } from './scoring.js';
import { seedMessages, setupWorkspace, systemPrompt } from './workspace.js';

/** Where one condition's agent talks to, and what happens at a day's end (MetaClaw: end the session). */
export interface ConditionEndpoint {
  name: string;
  baseUrl: string;
  apiKey: string;
  endDay?: (sessionId: string) => Promise<void>;
  /** Tokens that reached the upstream through this condition so far (serving and learning). */
  upstreamUsage?: () => { input: number; output: number; calls: number };
}

export interface RunOptions {
  set: BenchSet;
  days: BenchDay[];
  out: string;
  model: string;
  conditions: ConditionEndpoint[];
  /** Builds the day's agent; the built-in OpenAI Chat agent by default. */
  agent?: AgentFactory;
  /** Environment for checker scripts (PATH with `python`). */
  checkerEnv?: NodeJS.ProcessEnv;
  maxCalls?: number;
  maxTokens?: number;
  /** Days run at once; only for conditions without learning (no `endDay`). */
  jobs?: number;
  onRound?: (r: RoundResult, done: number, total: number) => void;
}

export interface RunResult {
  results: RoundResult[];
  /** Per condition, per day. */
  stats: Record<string, Record<string, DayStats>>;
  overheadMs: number;
  modelMs: number;
}

export class BudgetExceeded extends Error {}

const builtin: AgentFactory = (ctx) => new BuiltinAgent(ctx);

function scored(
  cond: string,
  day: BenchDay,
  round: BenchRound,
  turn: AgentTurn,
  score: Pick<RoundResult, 'score' | 'exact' | 'passed'>,
): RoundResult {
  return {
    condition: cond,
    day: day.id,
    arc: day.arc,
    round: round.id,
    type: round.type,
    ...score,
    tokens: turn.tokens,
    input_tokens: turn.inputTokens ?? 0,
    output_tokens: turn.outputTokens ?? 0,
    calls: turn.calls,
  };
}

/**
 * Runs the conditions over the days: a learning condition strictly day after day, the baseline
 * `jobs` days at a time. After every round the day's state (results, pending feedback, the agent's
 * conversation, a copy of the workspace) is saved, so a killed run resumes after its last
 * completed round and ends with the same report as an uninterrupted one.
 */
export async function runBench(o: RunOptions): Promise<RunResult> {
  const files = new RunFiles(o.out);
  const makeAgent = o.agent ?? builtin;
  const total = o.conditions.length * o.days.reduce((s, d) => s + d.rounds.length, 0);
  let done = 0;
  // Budgets count what the whole run spent, earlier (resumed) parts included.
  let { calls, tokens } = files.spent();
  const saveSpent = () => files.saveSpent({ calls, tokens });
  let modelMs = 0;
  const t0 = performance.now();
  let aborted: unknown = null;
  const beforeCall = () => {
    if (aborted) throw aborted;
    if (o.maxCalls !== undefined && calls >= o.maxCalls)
      throw new BudgetExceeded(`--max-calls ${o.maxCalls} reached (${calls} agent model calls made)`);
    if (o.maxTokens !== undefined && tokens >= o.maxTokens)
      throw new BudgetExceeded(`--max-tokens ${o.maxTokens} reached (${tokens} agent tokens used)`);
    calls++;
  };
  const count = (t: AgentTurn) => {
    tokens += t.tokens;
    modelMs += t.modelMs;
  };
  async function runDay(cond: ConditionEndpoint, day: BenchDay): Promise<DayRecord> {
    const ws = files.workspace(cond.name, day.id);
    const sessionId = `bench-${cond.name}-${day.id}-${path.basename(o.out)}`;
    const usage0 = cond.upstreamUsage?.();
    let servingHere = { input: 0, output: 0, calls: 0 };
    let agent: BenchAgent | null = null;
    let closed = false;
    const closeAgent = async () => {
      if (closed || !agent) return;
      closed = true;
      await agent.close?.();
    };
    try {
      const send = async (text: string): Promise<AgentTurn> => {
        const t = await agent!.send(text);
        count(t);
        servingHere = {
          input: servingHere.input + (t.inputTokens ?? 0),
          output: servingHere.output + (t.outputTokens ?? t.tokens - (t.inputTokens ?? 0)),
          calls: servingHere.calls + t.calls,
        };
        return t;
      };
      let cp = files.load(cond.name, day.id);
      if (cp && !cp.snapshot) cp = null;
      const build = async () =>
        makeAgent({
          baseUrl: cond.baseUrl,
          apiKey: cond.apiKey,
          model: o.model,
          workspace: ws,
          system: systemPrompt(ws),
          sessionId,
          beforeCall,
          set: o.set,
          day,
          condition: cond.name,
        });
      if (cp) {
        files.restoreWorkspace(cond.name, ws, cp);
        agent = await build();
        if (agent.restore) {
          agent.restore(cp.agent);
          done += cp.results.length;
        } else cp = null; // this agent cannot continue a conversation: redo the day
      }
      if (!cp) {
        files.dropPartial(cond.name, day.id);
        setupWorkspace(o.set, day, ws);
        agent = await build();
        agent.seed(seedMessages(o.set, day));
      }
      const results: RoundResult[] = cp ? [...cp.results] : [];
      const stats: DayStats = cp ? { ...cp.stats } : emptyStats();
      let feedback: string | null = cp ? cp.feedback : null;
      const partStart = performance.now();
      const sendStandalone = async () => {
        if (!feedback) return;
        const t = await send(standaloneFeedback(feedback));
        stats.feedback_tokens += t.tokens;
        stats.feedback_calls += t.calls;
        feedback = null;
      };
      for (let i = cp ? cp.next : 0; i < day.rounds.length; i++) {
        const round = day.rounds[i]!;
        // A new questions.json group starts its own feedback chain, as in the reference.
        if (i > 0 && round.group !== day.rounds[i - 1]!.group) await sendStandalone();
        const turn = await send(withFeedback(feedback, round.question));
        let r: RoundResult;
        if (round.type === 'multi_choice') {
          const s = scoreMultiChoice(round, turn.answer);
          feedback = feedbackText(round, { chosen: s.chosen }) || null;
          r = scored(cond.name, day, round, turn, { score: s.score, exact: s.exact });
        } else {
          const s = await scoreFileCheck(round, ws, o.checkerEnv);
          feedback = feedbackText(round, { passed: s.passed }) || null;
          r = scored(cond.name, day, round, turn, { score: s.passed ? 1 : 0, passed: s.passed });
        }
        results.push(r);
        const cpNow: Checkpoint = {
          next: i + 1,
          results,
          feedback,
          agent: agent!.snapshot?.() ?? null,
          stats: { ...stats, wall_ms: stats.wall_ms + (performance.now() - partStart) },
        };
        files.save(cond.name, day.id, ws, cpNow);
        saveSpent();
        o.onRound?.(r, ++done, total);
      }
      // The last feedback goes in alone, unscored, so the learner sees it too; saved, so a kill
      // while MetaClaw learns from the day does not send it twice.
      if (feedback) {
        await sendStandalone();
        files.save(cond.name, day.id, ws, {
          next: day.rounds.length,
          results,
          feedback: null,
          agent: agent!.snapshot?.() ?? null,
          stats: { ...stats, wall_ms: stats.wall_ms + (performance.now() - partStart) },
        });
        saveSpent();
      }
      await closeAgent();
      await cond.endDay?.(sessionId);
      const usage1 = cond.upstreamUsage?.();
      if (usage0 && usage1) {
        // Upstream traffic not sent by the agent is MetaClaw's learning (judge, evolver, replays).
        stats.learning_input_tokens += Math.max(0, usage1.input - usage0.input - servingHere.input);
        stats.learning_output_tokens += Math.max(0, usage1.output - usage0.output - servingHere.output);
        stats.learning_calls += Math.max(0, usage1.calls - usage0.calls - servingHere.calls);
      }
      stats.wall_ms += performance.now() - partStart;
      const rec = { results, stats };
      files.finish(cond.name, day.id, rec);
      return rec;
    } finally {
      // An agent with a process of its own (OpenClaw) is stopped on errors too.
      await closeAgent();
    }
  }

  const byCondition = new Map<string, DayRecord[]>();
  for (const cond of o.conditions) {
    const records: DayRecord[] = new Array(o.days.length);
    const parallel = cond.endDay ? 1 : Math.max(1, o.jobs ?? 1);
    let next = 0;
    const worker = async () => {
      while (next < o.days.length && !aborted) {
        const i = next++;
        const day = o.days[i]!;
        const fin = files.finished(cond.name, day.id, day.rounds.length);
        if (fin) {
          done += fin.results.length;
          records[i] = fin;
          continue;
        }
        try {
          records[i] = await runDay(cond, day);
        } catch (err) {
          // Parallel days stop at their next model call; their last rounds stay saved.
          aborted ??= err;
          saveSpent();
        }
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    if (aborted) throw aborted;
    byCondition.set(cond.name, records);
  }
  saveSpent();
  const results: RoundResult[] = [];
  const stats: Record<string, Record<string, DayStats>> = {};
  for (const [name, recs] of byCondition) {
    stats[name] = Object.fromEntries(recs.map((r, i) => [o.days[i]!.id, r.stats]));
    for (const r of recs) results.push(...r.results);
  }
  return { results, stats, overheadMs: Math.max(0, performance.now() - t0 - modelMs), modelMs };
}
