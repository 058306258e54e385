import type { Db } from './db.js';

/** One training step with the statistics of the samples it consumed (dashboard `/v1/admin/training`). */
export interface TrainingStepView {
  id: number;
  createdAt: number;
  loss: number | null;
  status: string;
  metrics: Record<string, unknown> | null;
  checkpointPath: string | null;
  /** Samples the step marked as its own (used, including those without a learning signal). */
  samples: number;
  rewardMean: number | null;
  advMean: number | null;
  advStd: number | null;
}

export interface PolicyVersionView {
  version: number;
  /** The training step that produced these weights. */
  stepId: number;
  createdAt: number;
  samplerPath: string;
  /** The newest checkpoint saved at or after this version and before the next one. */
  checkpoint: string | null;
}

interface StepRow {
  id: number;
  created_at: number;
  loss: number | null;
  status: string;
  metrics: string | null;
  checkpoint_path: string | null;
  n: number;
  reward_mean: number | null;
  adv_n: number;
  adv_mean: number | null;
  adv_sq: number | null;
}

/** Read-only views over `training_steps` and `samples` for the dashboard. */
export class TrainingViewRepository {
  constructor(private readonly db: Db) {}

  /** The newest `limit` steps, oldest first, each with its samples' reward and advantage statistics. */
  steps(limit = 200): TrainingStepView[] {
    const rows = this.db
      .prepare(
        `SELECT t.id, t.created_at, t.loss, t.status, t.metrics, t.checkpoint_path,
                COUNT(s.turn_id) AS n, AVG(s.reward) AS reward_mean,
                COUNT(s.advantage) AS adv_n, AVG(s.advantage) AS adv_mean,
                AVG(s.advantage * s.advantage) AS adv_sq
         FROM (SELECT * FROM training_steps ORDER BY id DESC LIMIT ?) t
         LEFT JOIN samples s ON s.step_id = t.id
         GROUP BY t.id`,
      )
      .all(limit) as StepRow[];
    // Sorted here: SQLite 3.53 ignores an outer ORDER BY over this grouped DESC-LIMIT subquery.
    rows.sort((a, b) => a.id - b.id);
    return rows.map((r) => {
      let metrics: Record<string, unknown> | null = null;
      try {
        metrics = r.metrics ? (JSON.parse(r.metrics) as Record<string, unknown>) : null;
      } catch {
        // a damaged metrics column must not hide the step
      }
      // Population standard deviation from E[a²] − E[a]², clamped against rounding below zero.
      const std =
        r.adv_n > 0 && r.adv_mean !== null && r.adv_sq !== null
          ? Math.sqrt(Math.max(0, r.adv_sq - r.adv_mean * r.adv_mean))
          : null;
      return {
        id: r.id,
        createdAt: r.created_at,
        loss: r.loss,
        status: r.status,
        metrics,
        checkpointPath: r.checkpoint_path,
        samples: r.n,
        rewardMean: r.reward_mean,
        advMean: r.adv_n > 0 ? r.adv_mean : null,
        advStd: std,
      };
    });
  }

  /**
   * Policy versions in order: version N is the N-th step that produced sampler weights (as
   * `TrainingStepRepository.policyVersion` counts them), with the checkpoint saved for it, if any.
   */
  policyVersions(): PolicyVersionView[] {
    const rows = this.db
      .prepare(
        `SELECT id, created_at, sampler_path FROM training_steps
         WHERE status = 'ok' AND sampler_path IS NOT NULL ORDER BY id`,
      )
      .all() as { id: number; created_at: number; sampler_path: string }[];
    const ckpts = this.db
      .prepare('SELECT id, checkpoint_path FROM training_steps WHERE checkpoint_path IS NOT NULL ORDER BY id')
      .all() as { id: number; checkpoint_path: string }[];
    // Both lists are in id order: one pass pairs each version with its last checkpoint.
    let c = 0;
    return rows.map((r, i) => {
      const nextId = rows[i + 1]?.id ?? Number.POSITIVE_INFINITY;
      while (c < ckpts.length && ckpts[c]!.id < r.id) c++;
      // A checkpoint is written onto the latest step row (trained or skipped) when it is saved.
      let own: { checkpoint_path: string } | undefined;
      while (c < ckpts.length && ckpts[c]!.id < nextId) own = ckpts[c++];
      return {
        version: i + 1,
        stepId: r.id,
        createdAt: r.created_at,
        samplerPath: r.sampler_path,
        checkpoint: own?.checkpoint_path ?? null,
      };
    });
  }
}
