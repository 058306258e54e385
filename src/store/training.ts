import type { Db } from './db.js';

export type StepStatus = 'ok' | 'skipped' | 'failed';

export interface TrainingStep {
  id: number;
  backend: string;
  loss: number | null;
  metrics: Record<string, unknown> | null;
  samplerPath: string | null;
  checkpointPath: string | null;
  status: StepStatus;
  timings: Record<string, number> | null;
  sampleIds: string[];
  createdAt: number;
}

interface Row {
  id: number;
  backend: string;
  loss: number | null;
  metrics: string | null;
  sampler_path: string | null;
  checkpoint_path: string | null;
  status: StepStatus;
  timings: string | null;
  sample_ids: string | null;
  created_at: number;
}

/** Every training step, including skipped and failed ones: the policy's history. */
export class TrainingStepRepository {
  constructor(private readonly db: Db) {}

  insert(s: Omit<TrainingStep, 'id' | 'createdAt'>, now = Date.now()): number {
    const r = this.db
      .prepare(
        `INSERT INTO training_steps (backend, loss, metrics, sampler_path, checkpoint_path, status, timings, sample_ids, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.backend,
        s.loss,
        s.metrics ? JSON.stringify(s.metrics) : null,
        s.samplerPath,
        s.checkpointPath,
        s.status,
        s.timings ? JSON.stringify(s.timings) : null,
        JSON.stringify(s.sampleIds),
        now,
      );
    return Number(r.lastInsertRowid);
  }

  setCheckpoint(id: number, path: string): void {
    this.db.prepare('UPDATE training_steps SET checkpoint_path = ? WHERE id = ?').run(path, id);
  }

  /** The policy version: how many optimizer steps produced new sampler weights. */
  policyVersion(): number {
    return (
      this.db
        .prepare(`SELECT COUNT(*) AS n FROM training_steps WHERE status = 'ok' AND sampler_path IS NOT NULL`)
        .get() as { n: number }
    ).n;
  }

  latestSampler(): string | null {
    const r = this.db
      .prepare(
        `SELECT sampler_path FROM training_steps WHERE status = 'ok' AND sampler_path IS NOT NULL ORDER BY id DESC LIMIT 1`,
      )
      .get() as { sampler_path: string } | undefined;
    return r?.sampler_path ?? null;
  }

  latestCheckpoint(): string | null {
    const r = this.db
      .prepare(
        `SELECT checkpoint_path FROM training_steps WHERE checkpoint_path IS NOT NULL ORDER BY id DESC LIMIT 1`,
      )
      .get() as { checkpoint_path: string } | undefined;
    return r?.checkpoint_path ?? null;
  }

  checkpoints(): { id: number; path: string; createdAt: number }[] {
    return (
      this.db
        .prepare(
          `SELECT id, checkpoint_path, created_at FROM training_steps WHERE checkpoint_path IS NOT NULL ORDER BY id DESC`,
        )
        .all() as {
        id: number;
        checkpoint_path: string;
        created_at: number;
      }[]
    ).map((r) => ({ id: r.id, path: r.checkpoint_path, createdAt: r.created_at }));
  }

  list(limit = 50): TrainingStep[] {
    return (this.db.prepare('SELECT * FROM training_steps ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(
      (r) => ({
        id: r.id,
        backend: r.backend,
        loss: r.loss,
        metrics: r.metrics ? JSON.parse(r.metrics) : null,
        samplerPath: r.sampler_path,
        checkpointPath: r.checkpoint_path,
        status: r.status,
        timings: r.timings ? JSON.parse(r.timings) : null,
        sampleIds: r.sample_ids ? JSON.parse(r.sample_ids) : [],
        createdAt: r.created_at,
      }),
    );
  }
}

export type RlFailureKind = 'open' | 'heartbeat' | 'step' | 'checkpoint' | 'swap';

export interface RlFailure {
  id: number;
  at: number;
  kind: RlFailureKind;
  code: string | null;
  message: string;
  recoveredAt: number | null;
}

/**
 * Every RL failure (opening the Tinker session, heartbeat, step, checkpoint, serving swap), so
 * `status`, `/v1/admin/train` and the dashboard can say what went wrong and whether it recovered.
 */
export class RlFailureRepository {
  constructor(private readonly db: Db) {}

  record(kind: RlFailureKind, err: unknown, now = Date.now()): number {
    const e = err as { code?: unknown; message?: unknown };
    const message = String(e?.message ?? err).slice(0, 1000);
    const code = typeof e?.code === 'string' ? e.code : null;
    const r = this.db
      .prepare('INSERT INTO rl_failures (at, kind, code, message) VALUES (?, ?, ?, ?)')
      .run(now, kind, code, message);
    return Number(r.lastInsertRowid);
  }

  /** A later success of `kind` clears its open failures. */
  recovered(kind: RlFailureKind, now = Date.now()): void {
    this.db
      .prepare('UPDATE rl_failures SET recovered_at = ? WHERE kind = ? AND recovered_at IS NULL')
      .run(now, kind);
  }

  recent(limit = 20): RlFailure[] {
    return (
      this.db.prepare('SELECT * FROM rl_failures ORDER BY id DESC LIMIT ?').all(limit) as {
        id: number;
        at: number;
        kind: RlFailureKind;
        code: string | null;
        message: string;
        recovered_at: number | null;
      }[]
    ).map((r) => ({
      id: r.id,
      at: r.at,
      kind: r.kind,
      code: r.code,
      message: r.message,
      recoveredAt: r.recovered_at,
    }));
  }

  /** Failures not yet followed by a success of the same kind. */
  unrecovered(): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM rl_failures WHERE recovered_at IS NULL').get() as {
        n: number;
      }
    ).n;
  }
}
