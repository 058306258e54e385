import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { TurnRecorder } from '../server/proxy/recorder.js';
import type { SessionTracker } from '../sessions/tracker.js';
import type { SkillInjector } from '../skills/inject.js';
import type { SkillLibrary } from '../skills/library.js';
import type { Db } from '../store/db.js';
import type { JobQueue } from '../store/jobs.js';
import { LearningUsageRepository } from '../store/learning-usage.js';
import type { RewardRepository } from '../store/rewards.js';
import type { TurnRepository } from '../store/turns.js';
import type { ServingBackend } from '../upstream/types.js';
import { CallBudget } from './call-budget.js';
import { EvolutionEngine } from './evolve/engine.js';
import type { JobRunner } from './jobs/runner.js';
import { JudgeScheduler, judgeJobHandler, type RewardListener } from './judge/jobs.js';
import { Judge } from './judge/judge.js';
import { createLlmClient, type LlmEndpoint, resolveLlmEndpoint } from './llm-client.js';
import { meteredBackend } from './usage-meter.js';

export interface LearningDeps {
  config: Config;
  env: NodeJS.ProcessEnv;
  db: Db;
  log: Logger;
  jobs: JobQueue;
  runner: JobRunner;
  turns: TurnRepository;
  rewards: RewardRepository;
  recorder: TurnRecorder;
  tracker: SessionTracker;
  /** The skill library evolution edits; null when skills are disabled (no evolution then). */
  library: SkillLibrary | null;
  /** The live skill injector: evolution verifies candidates through its retrieval and injection. */
  injector: SkillInjector | null;
  backend: () => ServingBackend | null;
}

export interface Learning {
  judge: Judge | null;
  judgeEndpoint: LlmEndpoint | null;
  evolution: EvolutionEngine | null;
  /** Listeners told about every new reward (judge or explicit feedback). */
  onReward(listener: RewardListener): void;
  /** Report explicit feedback into the same stream as judge rewards. */
  feedback(turnId: string, score: number): void;
  /** Apply the judge's and evolution's live-reloadable settings (see config/live-targets.ts). */
  retune(config: Config): void;
}

/** Build the judging pipeline from config and hook it to the recorder and session tracker. */
export function wireLearning(d: LearningDeps): Learning {
  const listeners: RewardListener[] = [];
  const emit: RewardListener = (turnId, score, source, sessionEnd) => {
    for (const l of listeners) {
      try {
        l(turnId, score, source, sessionEnd);
      } catch (err) {
        d.log.error({ err }, 'reward listener failed');
      }
    }
  };
  const judgeEndpoint = d.config.judge.enabled ? resolveLlmEndpoint(d.config.judge, d.config, d.env) : null;
  // Token usage of every learning call, per purpose (the dashboard's learning cost).
  const usage = new LearningUsageRepository(d.db);
  const onUsageError = (err: unknown) => d.log.warn({ err }, 'could not record learning token usage');
  // The same judge (budget, cache, health) for live turns and for verification replays; only
  // the purpose its tokens are counted under differs.
  const makeJudge = (endpoint: LlmEndpoint, purpose: 'judge' | 'verification') =>
    new Judge(
      createLlmClient(endpoint, d.config.judge.timeout_ms, usage.recorder(purpose, onUsageError)),
      d.db,
      new CallBudget(d.db, 'judge', d.config.judge.daily_call_budget),
      {
        votes: d.config.judge.votes,
        temperature: d.config.judge.temperature,
        maxTokens: d.config.judge.max_tokens,
        maxConcurrency: d.config.judge.max_concurrency,
        model: endpoint.model,
      },
    );
  let judge: Judge | null = null;
  if (judgeEndpoint) {
    judge = makeJudge(judgeEndpoint, 'judge');
    const scheduler = new JudgeScheduler(d.turns, d.jobs, () => d.runner.wake());
    d.recorder.onRecorded((t) => scheduler.onTurnRecorded(t));
    d.tracker.onEnded((id) => scheduler.onSessionEnded(id));
    d.runner.register(
      judgeJobHandler({
        judge,
        turns: d.turns,
        rewards: d.rewards,
        log: d.log,
        maxConcurrency: d.config.judge.max_concurrency,
        onReward: emit,
      }),
    );
  } else {
    d.log.warn('judge not configured: turns are recorded but not scored (set judge.* or an upstream)');
  }

  const verificationJudge = judgeEndpoint ? makeJudge(judgeEndpoint, 'verification') : null;
  let evolution: EvolutionEngine | null = null;
  const evolveCfg = d.config.evolution;
  const evolveEndpoint = evolveCfg.enabled
    ? resolveLlmEndpoint(evolveCfg, d.config, d.env, judgeEndpoint)
    : null;
  if (evolveEndpoint && d.library && d.injector) {
    evolution = new EvolutionEngine({
      db: d.db,
      library: d.library,
      injector: d.injector,
      client: createLlmClient(evolveEndpoint, evolveCfg.timeout_ms, usage.recorder('evolver', onUsageError)),
      judge: verificationJudge,
      // The engine's backend calls are verification replays.
      backend: () => {
        const b = d.backend();
        return b ? meteredBackend(b, usage.recorder('verification', onUsageError)) : null;
      },
      turns: d.turns,
      rewards: d.rewards,
      jobs: d.jobs,
      wake: () => d.runner.wake(),
      log: d.log.child({ component: 'evolution' }),
      settings: {
        minFailures: evolveCfg.min_failures,
        verify: evolveCfg.verify,
        maxOps: evolveCfg.max_ops,
        debounceMs: evolveCfg.debounce_ms,
        duplicateThreshold: evolveCfg.duplicate_threshold,
        model: evolveEndpoint.model,
        approval: evolveCfg.approval,
      },
    });
    const engine = evolution;
    d.runner.register(engine.handler());
    listeners.push((turnId, score, _source, sessionEnd) => {
      engine.recordUse(turnId, score);
      engine.onReward(score, sessionEnd);
    });
  }
  return {
    judge,
    judgeEndpoint,
    evolution,
    onReward: (l) => listeners.push(l),
    feedback: (turnId, score) => emit(turnId, score, 'user', false),
    retune: (c) => {
      const j = c.judge;
      const tune = {
        votes: j.votes,
        temperature: j.temperature,
        maxTokens: j.max_tokens,
        dailyCallBudget: j.daily_call_budget,
      };
      judge?.retune(tune);
      verificationJudge?.retune(tune);
      const e = c.evolution;
      evolution?.retune({
        minFailures: e.min_failures,
        verify: e.verify,
        maxOps: e.max_ops,
        debounceMs: e.debounce_ms,
        duplicateThreshold: e.duplicate_threshold,
        approval: e.approval,
      });
    },
  };
}
