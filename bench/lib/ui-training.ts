// Training and scheduler history for bench:ui's store (see ui-store.ts): what the Training and
// Schedule views read, seeded by SQL onto an already built store.
import { openStore } from '../../src/store/db.js';

/** Training and scheduler history, seeded onto a built store (an add-on: no rebuild of the turns). */
export const TRAINING = {
  VERSION: 1,
  steps: 2_000,
  samplesPerStep: 16,
  queued: 1_000,
  schedulerEvents: 10_000,
};

/**
 * A month of RL: steps every ~20 minutes, each consuming judged main turns as samples, plus
 * queued ones, and the scheduler's state transitions.
 */
export function seedTraining(file: string, now: number, days: number): void {
  const db = openStore(file);
  db.pragma('synchronous = OFF');
  const start = now - days * 86_400_000;
  const span = now - start;
  const judged = db
    .prepare(`SELECT turn_id AS id, score FROM rewards WHERE source = 'judge' ORDER BY id LIMIT ?`)
    .all(TRAINING.steps * TRAINING.samplesPerStep + TRAINING.queued) as { id: string; score: number }[];
  db.transaction(() => {
    const step = db.prepare(
      `INSERT INTO training_steps (backend, loss, metrics, sampler_path, checkpoint_path, status, timings, sample_ids, created_at)
       VALUES ('tinker', ?, ?, ?, ?, ?, '{}', ?, ?)`,
    );
    const sample = db.prepare(
      `INSERT INTO samples (turn_id, reward, advantage, policy_version, library_generation, status, step_id)
       VALUES (?, ?, ?, ?, 1, ?, ?)`,
    );
    let k = 0;
    for (let i = 0; i < TRAINING.steps; i++) {
      const at = Math.floor(start + ((i + 0.5) / TRAINING.steps) * span);
      const skipped = i % 50 === 49;
      const ids = judged.slice(k, k + TRAINING.samplesPerStep);
      k += ids.length;
      const id = Number(
        step.run(
          skipped ? null : 0.5 / (1 + i / 100),
          JSON.stringify({ samples: ids.length, stale: i % 7 === 0 ? 1 : 0 }),
          skipped ? null : `tinker://run/sampler/v${i}`,
          i % 5 === 4 ? `tinker://run/ckpt/${i}` : null,
          skipped ? 'skipped' : 'ok',
          JSON.stringify(ids.map((r) => r.id)),
          at,
        ).lastInsertRowid,
      );
      for (const r of ids) sample.run(r.id, r.score, r.score - 0.4, i, i % 7 === 0 ? 'stale' : 'used', id);
    }
    for (const r of judged.slice(k)) sample.run(r.id, r.score, null, TRAINING.steps, 'queued', null);
    const ev = db.prepare(
      'INSERT INTO scheduler_events (at, from_state, to_state, reason) VALUES (?, ?, ?, ?)',
    );
    const states = ['idle_wait', 'window_open', 'training', 'idle_wait'];
    for (let i = 0; i < TRAINING.schedulerEvents; i++)
      ev.run(
        Math.floor(start + (i / TRAINING.schedulerEvents) * span),
        states[i % 4]!,
        states[(i + 1) % 4]!,
        'sleep hours 23:00–07:00',
      );
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
