import type { RlTrainer } from '../../learning/rl/trainer-loop.js';
import { HttpError, sendJson } from '../../server/http-util.js';
import type { Route } from '../../server/router.js';
import type { Db } from '../../store/db.js';
import { RlFailureRepository } from '../../store/training.js';
import { type TrainingStepView, TrainingViewRepository } from '../../store/training-view.js';
import type { Schedule, ScheduleSignal, Training, TrainingStep } from '../contract.js';
import type { AdminApiDeps } from '../deps.js';
import type { AdminEventBus } from '../event-bus.js';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** A stored step → the wire shape; `version` is the policy version its weights became, if any. */
export function toTrainingStep(s: TrainingStepView, version: number | null): TrainingStep {
  const m = s.metrics ?? {};
  const skippedAll = s.status === 'skipped';
  const noSignal = num(m.no_signal);
  return {
    step: s.id,
    t: s.createdAt,
    loss: s.loss,
    reward_mean: s.rewardMean,
    adv_mean: skippedAll ? null : s.advMean,
    adv_std: skippedAll ? null : s.advStd,
    samples_used: skippedAll ? 0 : num(m.samples) || Math.max(0, s.samples - noSignal),
    stale: num(m.stale),
    skipped: skippedAll ? num(m.samples) || s.samples : noSignal,
    status: s.status,
    policy_version: version,
    checkpoint: s.checkpointPath,
  };
}

function limitParam(url: URL): number {
  const raw = url.searchParams.get('limit');
  if (raw === null) return 200;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new HttpError(400, 'limit must be an integer between 1 and 1000', 'invalid_request_error', 'limit');
  return n;
}

function training(d: AdminApiDeps, url: URL): Training {
  const limit = limitParam(url);
  const rl = d.rl();
  if (!rl) return { enabled: false, policy_version: null, policy_versions: [], steps: [], errors: [] };
  const view = new TrainingViewRepository(d.db);
  const versions = view.policyVersions();
  const versionOf = new Map(versions.map((v) => [v.stepId, v.version]));
  return {
    enabled: true,
    policy_version: versions.length,
    // The newest `limit` versions: a month of steps is thousands of them.
    policy_versions: versions.slice(-limit).map((v) => ({
      version: v.version,
      created_at: v.createdAt,
      checkpoint: v.checkpoint,
    })),
    steps: view.steps(limit).map((s) => toTrainingStep(s, versionOf.get(s.id) ?? null)),
    errors: new RlFailureRepository(d.db).recent(50).map((f) => ({
      t: f.at,
      kind: f.kind,
      message: f.message,
      code: f.code,
      recovered_at: f.recoveredAt,
    })),
    samples: rl.trainer.queue.counts(),
  };
}

async function schedule(d: AdminApiDeps): Promise<Schedule> {
  const s = d.scheduler();
  if (!s) return { enabled: false, state: null, since: null, timeline: [], signals: [], next_window: null };
  // Loaded only when the scheduler runs: a proxy without one never imports the scheduler code.
  const [{ SchedulerEventRepository }, { nextWindow }] = await Promise.all([
    import('../../store/scheduler-events.js'),
    import('../../scheduler/decision.js'),
  ]);
  const snap = s.snapshot();
  const d0 = snap.decision;
  const events = new SchedulerEventRepository(d.db).list({ limit: 50 }).reverse();
  const signals: ScheduleSignal[] = (d0?.readings ?? []).map((r) => ({
    name: r.signal,
    reading: r.detail,
    ok: !r.error && r.open !== null,
    open: r.open,
    veto: r.veto === true,
    role: r.role,
    until: r.until,
    error: r.error ?? null,
  }));
  const minWindowMs = d.loaded.config.scheduler.min_window_minutes * 60_000;
  const next = d0 ? nextWindow(d0, minWindowMs) : null;
  return {
    enabled: true,
    state: snap.state,
    since: snap.since,
    timeline: events.map((e) => ({ t: e.at, state: e.to, reason: e.reason })),
    signals,
    next_window:
      next && next.at !== null
        ? { start: next.at, end: next.until, source: next.source, note: next.note }
        : null,
    decision: d0 ? { at: d0.at, open: d0.open, reason: d0.reason, until: d0.until } : null,
    trainer: snap.trainer,
    last_error: snap.lastError,
  };
}

/** `GET /v1/admin/training` and `GET /v1/admin/schedule` (docs/admin-api.md). */
export function trainingRoutes(d: AdminApiDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/admin/training',
      auth: true,
      errorShape: 'openai',
      handler: ({ res, url }) => sendJson(res, 200, training(d, url)),
    },
    {
      method: 'GET',
      path: '/v1/admin/schedule',
      auth: true,
      errorShape: 'openai',
      handler: async ({ res }) => sendJson(res, 200, await schedule(d)),
    },
  ];
}

/** Publish every training step the trainer records as a `training_step` dashboard event. */
export function publishTrainingSteps(db: Db, events: AdminEventBus, trainer: RlTrainer): () => void {
  const view = new TrainingViewRepository(db);
  return trainer.onStep((stepId) => {
    if (events.size === 0) return;
    const step = view.steps(1).find((s) => s.id === stepId);
    if (!step) return;
    const version = view.policyVersions().find((v) => v.stepId === stepId)?.version ?? null;
    events.publish('training_step', toTrainingStep(step, version));
  });
}
