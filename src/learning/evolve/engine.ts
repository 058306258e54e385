import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { buildCandidate } from '../../skills/candidate.js';
import type { SkillInjector } from '../../skills/inject.js';
import type { SkillLibrary } from '../../skills/library.js';
import type { Db } from '../../store/db.js';
import { EvolutionRepository } from '../../store/evolutions.js';
import type { Job, JobQueue } from '../../store/jobs.js';
import type { RewardRepository } from '../../store/rewards.js';
import type { TurnRepository } from '../../store/turns.js';
import type { ServingBackend } from '../../upstream/types.js';
import type { JobHandler } from '../jobs/runner.js';
import type { Judge } from '../judge/judge.js';
import type { LlmClient } from '../llm-client.js';
import { loadSupportSet, markConsumed } from '../sets.js';
import { holdChangeSet } from './approval.js';
import { changeSetKey, failureKeys, skillChangeKey } from './dedupe.js';
import { parseEvolverReply } from './ops.js';
import { EVOLVER_SYSTEM, evolverUserPrompt, type SkillForPrompt } from './prompt.js';
import { failedTrajectories } from './trajectories.js';
import { type ExistingSkill, MAX_EVOLVED_BODY_CHARS, validateEvolution } from './validate.js';
import { supportCase, verificationBaseline, verifyChangeSet } from './verify.js';

export const EVOLVE_JOB = 'evolve';

export interface EvolutionSettings {
  minFailures: number;
  verify: boolean;
  maxOps: number;
  debounceMs: number;
  duplicateThreshold: number;
  model?: string;
  /** `manual`: a verified change set waits for a person (outcome awaiting_approval). Default auto. */
  approval?: 'auto' | 'manual';
}

export interface EvolutionDeps {
  db: Db;
  library: SkillLibrary;
  /** The live injector: verification retrieves and injects from a candidate library through it. */
  injector: SkillInjector;
  client: LlmClient;
  judge: Judge | null;
  backend: () => ServingBackend | null;
  turns: TurnRepository;
  rewards: RewardRepository;
  jobs: JobQueue;
  wake: () => void;
  log: Logger;
  settings: EvolutionSettings;
  /** Called after a change set went live (benchmarks measure judgement → live). */
  onApplied?: (generation: number) => void;
}

/** Related skills shown in full; the rest by name only. */
const RELATED_IN_FULL = 8;
/** A skill is proposed for retirement once it has hurt this often and clearly more than it helped. */
const HARMFUL_MIN = 5;

/**
 * The fast adaptation loop: failed turns of the current generation (the support set) are
 * distilled by the evolver into skill edits, validated, checked against what it already did (the
 * same change set is never applied twice for the same failures; a change that failed verification
 * for a task is not retried unchanged), verified through the live retrieval and injection path
 * (replayed and re-judged when `verify` is on), and applied as one new library generation; the
 * support turns are then consumed and never reach training.
 */
export class EvolutionEngine {
  readonly evolutions: EvolutionRepository;
  private readonly outcomeListeners: ((id: number) => void)[] = [];

  constructor(private readonly d: EvolutionDeps) {
    this.evolutions = new EvolutionRepository(d.db, (id) => {
      for (const fn of this.outcomeListeners) {
        try {
          fn(id);
        } catch (err) {
          d.log.error({ err }, 'evolution outcome listener failed');
        }
      }
    });
  }

  /** New thresholds from a config reload; read at each trigger and run, so the next one uses them. */
  retune(s: Omit<EvolutionSettings, 'model'>): void {
    Object.assign(this.d.settings, s);
  }

  /** Told the id of each evolution whose outcome changed (the dashboard; learning imports no UI). */
  onOutcome(fn: (id: number) => void): void {
    this.outcomeListeners.push(fn);
  }

  /**
   * A new reward arrived. Enough failures under this generation start an evolution; so does the
   * end of a session (its last turn's judgement) when the support set holds at least one failure.
   */
  onReward(score: number, sessionEnd: boolean): void {
    if (score >= 0 && !sessionEnd) return;
    const support = loadSupportSet(this.d.db, this.d.library.current().generation).length;
    if (support >= this.d.settings.minFailures) this.enqueue('min-failures');
    else if (sessionEnd && support >= 1) this.enqueue('session-end');
  }

  /** Count helpful/harmful uses for every revision injected into the rewarded turn. */
  recordUse(turnId: string, score: number): void {
    const turn = this.d.turns.get(turnId);
    if (!turn || turn.injectedRevisionIds.length === 0 || score === 0) return;
    this.d.library.repo.recordUse(turn.injectedRevisionIds, score > 0);
  }

  /** One evolution at a time; a burst of triggers within the debounce window becomes one job. */
  enqueue(trigger: string): void {
    if (this.d.jobs.hasActive(EVOLVE_JOB)) return;
    this.d.jobs.enqueue(EVOLVE_JOB, { trigger }, { runAfter: Date.now() + this.d.settings.debounceMs });
    if (this.d.settings.debounceMs === 0) this.d.wake();
    else setTimeout(() => this.d.wake(), this.d.settings.debounceMs + 5).unref();
  }

  handler(): JobHandler {
    return { kind: EVOLVE_JOB, concurrency: 1, maxAttempts: 5, run: (job, signal) => this.run(job, signal) };
  }

  async run(job: Job, signal: AbortSignal): Promise<void> {
    const { trigger } = job.payload as { trigger: string };
    const snap = this.d.library.current();
    const support = loadSupportSet(this.d.db, snap.generation);
    if (support.length === 0) return;
    const cases = support.flatMap((t) => {
      const turn = this.d.turns.get(t);
      return turn ? [supportCase(turn)] : [];
    });
    // The failures this evolution is about, by turn and by the human's request text.
    const keys = failureKeys(cases);
    const tried = this.evolutions.failedChanges(keys);
    const failures = failedTrajectories(this.d.turns, this.d.rewards, support);
    const existing = new Map<string, ExistingSkill>();
    const forPrompt = new Map<string, SkillForPrompt>();
    // Counters change after a revision is loaded: read them fresh from the store.
    const counts = this.d.library.repo.useCounts();
    for (const [name, r] of snap.byName) {
      const c = counts.get(r.id);
      existing.set(name, { name, pinned: r.meta.pinned, doc: { frontmatter: r.frontmatter, body: r.body } });
      forPrompt.set(name, {
        name,
        description: r.description,
        body: r.body,
        helpful: c?.helpful ?? 0,
        harmful: c?.harmful ?? 0,
      });
    }
    const related = this.relatedSkills(
      failures.map((f) => `${f.view.task}\n${f.view.response}`),
      snap,
    ).map((s) => forPrompt.get(s.name) ?? s);
    const retireHints = [...forPrompt.values()].filter(
      (s) => s.harmful >= HARMFUL_MIN && s.harmful > 2 * s.helpful,
    );
    const shown = [...new Map([...related, ...retireHints].map((s) => [s.name, s])).values()];
    const others = [...forPrompt.keys()].filter((n) => !shown.some((s) => s.name === n));
    const prompt = evolverUserPrompt(failures, shown, others, this.d.settings.maxOps, tried);

    // One evolution runs at a time: any still pending was left by an attempt that died.
    const orphans = this.evolutions.failPending('interrupted before a verdict (the job was retried)');
    if (orphans > 0) this.d.log.warn({ orphans }, 'closed evolutions left pending by an interrupted attempt');
    const id = this.evolutions.create(trigger, support);
    try {
      await this.evolve(id, prompt, support, keys, tried, cases, existing, signal);
    } catch (err) {
      // Every evolution ends applied, rejected or failed: a thrown attempt records why before the
      // job is retried (the retry starts a new evolution).
      if (this.evolutions.get(id)?.outcome === 'pending')
        this.evolutions.update(id, { outcome: 'failed', reason: (err as Error).message || String(err) });
      throw err;
    }
  }

  private async evolve(
    id: number,
    prompt: string,
    support: string[],
    keys: string[],
    tried: ReturnType<EvolutionRepository['failedChanges']>,
    cases: ReturnType<typeof supportCase>[],
    existing: Map<string, ExistingSkill>,
    signal: AbortSignal,
  ): Promise<void> {
    this.evolutions.recordFailures(id, keys);
    this.evolutions.update(id, { prompt });
    // Model time is recorded apart from our own, so the loop's overhead can be measured.
    const timings = { model_ms: 0, verify_ms: 0, total_ms: 0 };
    const started = performance.now();
    const raw = await this.d.client.complete(
      {
        system: EVOLVER_SYSTEM,
        user: prompt,
        temperature: 0.2,
        maxTokens: 4000,
        json: true,
        model: this.d.settings.model,
      },
      signal,
    );
    timings.model_ms = performance.now() - started;
    this.evolutions.update(id, { rawReply: raw });
    let parsed: ReturnType<typeof parseEvolverReply>;
    try {
      parsed = parseEvolverReply(raw);
    } catch (err) {
      this.evolutions.update(id, {
        outcome: 'failed',
        reason: (err as Error).message,
        validation: { error: (err as Error).message },
      });
      throw err;
    }
    const validation = validateEvolution(parsed.ops, existing, {
      maxOps: this.d.settings.maxOps,
      duplicateThreshold: this.d.settings.duplicateThreshold,
      maxBodyChars: MAX_EVOLVED_BODY_CHARS,
      provenance: { origin: 'evolved', evolutionId: id, supportTurnIds: support },
    });
    this.evolutions.update(id, {
      ops: parsed.ops,
      validation: { accepted: validation.accepted, rejected: validation.rejected, malformed: parsed.invalid },
    });
    // Whatever the verdict, these failures have been examined: consume them so they do not
    // trigger the same evolution again and never reach policy training.
    const finish = (outcome: 'empty' | 'duplicate' | 'rejected', reason: string, also?: () => void) =>
      this.d.db.transaction(() => {
        markConsumed(this.d.db, support, id);
        also?.();
        this.evolutions.update(id, { outcome, reason });
      })();
    if (validation.ops.length === 0) {
      finish(
        'empty',
        validation.rejected.length > 0 ? 'every proposed op was rejected by validation' : 'no edits proposed',
      );
      this.d.log.info(
        { evolutionId: id, rejected: validation.rejected.length },
        'evolution proposed no applicable edits',
      );
      return;
    }

    // No loops: the same change set for the same failures is not applied twice, and a skill change
    // that already failed verification for these failures is not tried again unchanged.
    const changeKey = changeSetKey(validation.ops);
    this.evolutions.update(id, { changeKey });
    const earlier = this.evolutions.appliedForSameFailures(changeKey, keys, id);
    if (earlier !== null) {
      finish('duplicate', `identical to evolution #${earlier} already applied`);
      this.d.log.info(
        { evolutionId: id, earlier },
        'evolution not applied: identical to one already applied',
      );
      return;
    }
    const triedByKey = new Map(tried.map((t) => [t.changeKey, t]));
    const again = validation.ops.flatMap((op) => {
      if (op.op !== 'put') return [];
      const t = triedByKey.get(
        skillChangeKey(op.doc.frontmatter.name, op.doc.frontmatter.description, op.doc.body),
      );
      return t ? [{ name: op.doc.frontmatter.name, t }] : [];
    });
    if (again.length > 0) {
      const reason = again
        .map(
          ({ name, t }) =>
            `skill ${name} is unchanged from evolution #${t.evolutionId}, which failed verification for this task (${t.reason})`,
        )
        .join('; ');
      finish('rejected', reason);
      this.d.log.info({ evolutionId: id, reason }, 'evolution rejected: already failed verification');
      return;
    }

    // Verification: the candidate library through the live retrieval and injection path.
    const verifyStarted = performance.now();
    const backend = this.d.backend();
    const before = new Map(support.map((t) => [t, verificationBaseline(this.d.rewards.effective(t))]));
    const verification = await verifyChangeSet({
      support: cases,
      before,
      candidate: await buildCandidate(this.d.library, validation.ops),
      injector: this.d.injector,
      replay: this.d.settings.verify && this.d.judge && backend ? { backend, judge: this.d.judge } : null,
      signal,
    });
    timings.verify_ms = performance.now() - verifyStarted;
    this.evolutions.update(id, { verification });
    if (!verification.accepted) {
      // What failed, for these failures: skills retrieval never showed, or (after a replay that was
      // judged, not one the backend could not answer) every skill the change set puts.
      const judged = verification.replayed && verification.cases.every((c) => c.error === undefined);
      const culprits = validation.ops.flatMap((op) =>
        op.op === 'put' &&
        (verification.notRetrieved.length > 0
          ? verification.notRetrieved.includes(op.doc.frontmatter.name)
          : judged)
          ? [
              {
                changeKey: skillChangeKey(
                  op.doc.frontmatter.name,
                  op.doc.frontmatter.description,
                  op.doc.body,
                ),
                name: op.doc.frontmatter.name,
                description: op.doc.frontmatter.description,
                reason: verification.reason,
              },
            ]
          : [],
      );
      finish('rejected', verification.reason, () => this.evolutions.recordFailedChanges(id, culprits));
      this.d.log.info({ evolutionId: id, reason: verification.reason }, 'evolution rejected by verification');
      return;
    }
    if (this.d.settings.approval === 'manual') {
      // Held for a person: the failures are examined (consumed), the library is not touched.
      const held = holdChangeSet(this.d.library, validation.ops);
      this.d.db.transaction(() => {
        markConsumed(this.d.db, support, id);
        this.evolutions.update(id, {
          outcome: 'awaiting_approval',
          reason: `verified (${verification.reason}); awaiting approval (evolution.approval: manual)`,
          validation: {
            accepted: validation.accepted,
            rejected: validation.rejected,
            malformed: parsed.invalid,
            change_set: held,
          },
        });
      })();
      this.d.log.info({ evolutionId: id }, `evolution #${id} verified; awaiting approval`);
      return;
    }
    const applied = this.d.library.apply(validation.ops, 'evolution', `evolution ${id}`);
    const generation = applied?.generation.number ?? this.d.library.current().generation;
    timings.total_ms = performance.now() - started;
    this.d.db.transaction(() => {
      markConsumed(this.d.db, support, id);
      this.evolutions.update(id, {
        outcome: 'applied',
        generation,
        validation: {
          accepted: validation.accepted,
          rejected: validation.rejected,
          malformed: parsed.invalid,
          timings,
        },
      });
    })();
    const changed = validation.accepted.map((a) => `${a.as} ${a.name}`).join(', ');
    this.d.log.info(
      { evolutionId: id, generation, ops: validation.accepted.map((a) => `${a.as} ${a.name}`) },
      `evolution #${id} applied (generation ${generation}): ${changed} — ${verification.reason}`,
    );
    this.d.onApplied?.(generation);
  }

  private relatedSkills(texts: string[], snap: ReturnType<SkillLibrary['current']>): SkillForPrompt[] {
    const score = new Map<number, number>();
    for (const t of texts) {
      for (const hit of this.d.library.index.search({ primary: t }, (id) => snap.has(id), RELATED_IN_FULL)) {
        score.set(hit.id, (score.get(hit.id) ?? 0) + hit.score);
      }
    }
    return [...score.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, RELATED_IN_FULL)
      .map(([id]) => snap.get(id)!)
      .map((r) => ({
        name: r.name,
        description: r.description,
        body: r.body,
        helpful: r.helpful,
        harmful: r.harmful,
      }));
  }
}
