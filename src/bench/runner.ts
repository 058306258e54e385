import fs from 'node:fs';
import path from 'node:path';
import { BuiltinAgent } from './agent.js';
import type { BenchDay, BenchSet } from './dataset.js';
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
}

export interface RunOptions {
  set: BenchSet;
  days: BenchDay[];
  out: string;
  model: string;
  conditions: ConditionEndpoint[];
  /** Environment for checker scripts (PATH with `python`). */
  checkerEnv?: NodeJS.ProcessEnv;
  maxCalls?: number;
  maxTokens?: number;
  onRound?: (r: RoundResult, done: number, total: number) => void;
}

export class BudgetExceeded extends Error {}

const roundFile = (out: string, c: string, day: string) => path.join(out, 'rounds', `${c}-${day}.json`);

/** A day's results already on disk (a resumed run skips it); null when the day did not finish. */
function finishedDay(out: string, c: string, day: BenchDay): RoundResult[] | null {
  const f = roundFile(out, c, day.id);
  if (!fs.existsSync(f)) return null;
  const rs = JSON.parse(fs.readFileSync(f, 'utf8')) as RoundResult[];
  return rs.length === day.rounds.length ? rs : null;
}

/**
 * Runs the conditions over the days in order. Results are written per finished day, so a killed
 * run resumes at the first unfinished day: a day's conversation cannot be rebuilt half-way, and
 * redoing it from its start gives the same report as an uninterrupted run.
 */
export async function runBench(
  o: RunOptions,
): Promise<{ results: RoundResult[]; overheadMs: number; modelMs: number }> {
  fs.mkdirSync(path.join(o.out, 'rounds'), { recursive: true });
  const total = o.conditions.length * o.days.reduce((s, d) => s + d.rounds.length, 0);
  const results: RoundResult[] = [];
  let calls = 0;
  let tokens = 0;
  let modelMs = 0;
  const t0 = performance.now();
  for (const cond of o.conditions) {
    for (const day of o.days) {
      const done = finishedDay(o.out, cond.name, day);
      if (done) {
        results.push(...done);
        continue;
      }
      const ws = setupWorkspace(o.set.root, day, path.join(o.out, 'workspaces', cond.name, day.id));
      const sessionId = `bench-${cond.name}-${day.id}-${path.basename(o.out)}`;
      const agent = new BuiltinAgent({
        baseUrl: cond.baseUrl,
        apiKey: cond.apiKey,
        model: o.model,
        workspace: ws,
        system: systemPrompt(ws),
        sessionId,
        beforeCall: () => {
          if (o.maxCalls !== undefined && calls >= o.maxCalls)
            throw new BudgetExceeded(`--max-calls ${o.maxCalls} reached`);
          if (o.maxTokens !== undefined && tokens >= o.maxTokens)
            throw new BudgetExceeded(`--max-tokens ${o.maxTokens} reached`);
        },
      });
      agent.seed(seedMessages(o.set.root, day.session));
      const dayResults: RoundResult[] = [];
      let feedback: string | null = null;
      for (const round of day.rounds) {
        const turn = await agent.send(withFeedback(feedback, round.question));
        calls += turn.calls;
        tokens += turn.tokens;
        modelMs += turn.modelMs;
        let r: RoundResult;
        if (round.type === 'multi_choice') {
          const s = scoreMultiChoice(round, turn.answer);
          feedback = feedbackText(round, { chosen: s.chosen });
          r = {
            condition: cond.name,
            day: day.id,
            arc: day.arc,
            round: round.id,
            type: round.type,
            score: s.score,
            exact: s.exact,
            tokens: turn.tokens,
          };
        } else {
          const s = await scoreFileCheck(round, ws, o.checkerEnv);
          feedback = feedbackText(round, { passed: s.passed });
          r = {
            condition: cond.name,
            day: day.id,
            arc: day.arc,
            round: round.id,
            type: round.type,
            score: s.passed ? 1 : 0,
            passed: s.passed,
            tokens: turn.tokens,
          };
        }
        dayResults.push(r);
        results.push(r);
        o.onRound?.(r, results.length, total);
      }
      // The day's last feedback goes in alone, unscored, so the learner sees it too.
      if (feedback) {
        const turn = await agent.send(standaloneFeedback(feedback));
        calls += turn.calls;
        tokens += turn.tokens;
        modelMs += turn.modelMs;
      }
      await cond.endDay?.(sessionId);
      fs.writeFileSync(roundFile(o.out, cond.name, day.id), `${JSON.stringify(dayResults, null, 2)}\n`);
    }
  }
  return { results, overheadMs: performance.now() - t0 - modelMs, modelMs };
}
