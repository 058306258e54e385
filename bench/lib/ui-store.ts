// A large store for bench:ui, built by direct SQL in big transactions. The migrations' triggers
// run on every insert exactly as in the service, so the dashboard rollups (dash_traffic,
// dash_learning, dash_skill_usage, per-session counters) are what a real store of this size holds.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../../src/store/db.js';
import { seedTraining, TRAINING } from './ui-training.js';

/** The data shape; bump VERSION whenever it changes so a cached store is rebuilt. */
export const SHAPE = {
  VERSION: 1,
  turns: Number(process.env.BENCH_UI_TURNS ?? 1_000_000),
  turnsPerSession: 20,
  /** Every 5th request of a session is a side call (title, summary …): 20 %. */
  sideEvery: 5,
  /** Main turns with a judge reward: 60 % (-1 for a quarter of them, 0 for a tenth, else +1). */
  judgedShare: 0.6,
  /** Main turns with explicit user feedback: 1 %. */
  feedbackShare: 0.01,
  /** Requests that failed upstream: 2 %. */
  errorShare: 0.02,
  skills: 1_000,
  /** Skill revisions injected into each main turn. */
  injectedPerTurn: 3,
  generations: 50,
  evolutions: 2_000,
  awaitingApproval: 20,
  days: 30,
  agents: ['openclaw', 'claude-code', 'codex', 'generic'],
  models: ['gpt-4.1', 'claude-sonnet-4-5', 'gpt-4.1-mini'],
};

export const DAY = 86_400_000;
export const skillName = (i: number) => `skill-${String(i).padStart(4, '0')}`;
export const sessionId = (i: number) => `s${String(i).padStart(6, '0')}`;
export const turnId = (s: number, seq: number) => `${sessionId(s)}-${String(seq).padStart(2, '0')}`;

/** Deterministic pseudo-random numbers, so every build holds the same data. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

export interface BuiltStore {
  file: string;
  sessions: number;
  builtAt: number;
  seedSeconds: number;
  bytes: number;
}

/** Build the store at `file` (which must not exist); `now` is the end of the seeded month. */
export function buildStore(file: string, now: number, log: (s: string) => void): BuiltStore {
  const t0 = performance.now();
  const db = openStore(file);
  // Seeding only: a crash means rebuilding, so skip the per-commit syncs.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -200000');
  const rnd = rng(7);
  const start = now - SHAPE.days * DAY;
  const span = now - start;
  const genAt = (g: number) => start + Math.floor(((g - 1) / SHAPE.generations) * span);
  const genOf = (t: number) =>
    Math.min(SHAPE.generations, 1 + Math.floor(((t - start) / span) * SHAPE.generations));

  // Skills: generation 1 adds all of them; generations 2..G each revise one skill (revision 2).
  const revId = new Map<string, number>();
  db.transaction(() => {
    const gen = db.prepare('INSERT INTO generations (number, cause, detail, created_at) VALUES (?, ?, ?, ?)');
    const rev = db.prepare(
      `INSERT INTO skill_revisions (name, revision, generation, status, description, body, frontmatter, provenance, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const member = db.prepare(
      'INSERT INTO skill_membership (revision_id, from_generation, to_generation) VALUES (?, ?, ?)',
    );
    const skill = db.prepare('INSERT INTO skills (name, active_revision_id, created_at) VALUES (?, ?, ?)');
    const body = (i: number, r: number) =>
      `When the user asks about topic ${i}, check the files first.\n\n1. Read the config.\n2. Run the tests (revision ${r}).\n3. Report what changed in one paragraph.\n`;
    gen.run(1, 'init', 'seeded', genAt(1));
    for (let i = 0; i < SHAPE.skills; i++) {
      const name = skillName(i);
      const revised = i >= 1 && i < SHAPE.generations; // skill i is revised in generation i + 1
      const desc = `How to handle topic ${i} for this user`;
      const fm = (d: string) => JSON.stringify({ name, description: d });
      const id1 = Number(
        rev.run(
          name,
          1,
          1,
          revised ? 'retired' : 'active',
          desc,
          body(i, 1),
          fm(desc),
          '{"origin":"seed"}',
          genAt(1),
        ).lastInsertRowid,
      );
      member.run(id1, 1, revised ? i + 1 : null);
      revId.set(`${name}@1`, id1);
      skill.run(name, id1, genAt(1));
    }
    for (let g = 2; g <= SHAPE.generations; g++) {
      const i = g - 1;
      const name = skillName(i);
      const desc = `How to handle topic ${i} for this user (refined)`;
      const id2 = Number(
        rev.run(
          name,
          2,
          g,
          'active',
          desc,
          body(i, 2),
          JSON.stringify({ name, description: desc }),
          JSON.stringify({ origin: 'evolved', evolutionId: g, supportTurnIds: [] }),
          genAt(g),
        ).lastInsertRowid,
      );
      member.run(id2, g, null);
      revId.set(`${name}@2`, id2);
      db.prepare('UPDATE skills SET active_revision_id = ? WHERE name = ?').run(id2, name);
      gen.run(g, 'evolution', `evolution #${g}`, genAt(g));
    }
  })();
  log(`skills: ${SHAPE.skills} skills, ${SHAPE.generations} generations`);

  const sessions = Math.ceil(SHAPE.turns / SHAPE.turnsPerSession);
  const sessionGap = span / sessions;
  const ins = {
    session: db.prepare(
      `INSERT INTO sessions (id, client, source, started_at, last_activity_at, ended_at, end_reason, turn_count)
       VALUES (?, ?, 'header', ?, ?, ?, 'explicit', ?)`,
    ),
    turn: db.prepare(
      `INSERT INTO turns (id, session_id, seq, kind, protocol, upstream_protocol, model, stream, request_json, response_json,
         status, http_status, error, started_at, latency_ms, ttft_ms, usage_json, library_generation, injected_revision_ids)
       VALUES (?, ?, ?, ?, 'openai-chat', 'openai-chat', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    reward: db.prepare(
      'INSERT INTO rewards (turn_id, source, score, votes, rationale, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };
  const BATCH = 2_000; // sessions per transaction (40k turns)
  let turnsLeft = SHAPE.turns;
  for (let b = 0; b < sessions; b += BATCH) {
    db.transaction(() => {
      for (let s = b; s < Math.min(sessions, b + BATCH); s++) {
        const t0s = Math.floor(start + s * sessionGap);
        const n = Math.min(SHAPE.turnsPerSession, turnsLeft);
        turnsLeft -= n;
        const agent = SHAPE.agents[s % SHAPE.agents.length]!;
        const model = SHAPE.models[s % SHAPE.models.length]!;
        const step = Math.max(1, Math.floor(sessionGap / (n + 1)));
        ins.session.run(sessionId(s), agent, t0s, t0s + n * step, t0s + n * step, n);
        for (let seq = 1; seq <= n; seq++) {
          const at = t0s + (seq - 1) * step;
          const side = seq % SHAPE.sideEvery === 0;
          const error = rnd() < SHAPE.errorShare;
          const g = genOf(at);
          const text = `step ${seq} of task ${s}: please update the config and run the tests`;
          const request = JSON.stringify({ model, messages: [{ role: 'user', content: text }] });
          const response = error
            ? null
            : JSON.stringify({
                id: `c${s}-${seq}`,
                object: 'chat.completion',
                model,
                choices: [
                  {
                    index: 0,
                    message: { role: 'assistant', content: `Done: ${text.slice(0, 40)}` },
                    finish_reason: 'stop',
                  },
                ],
              });
          const injected = side
            ? null
            : JSON.stringify(
                Array.from({ length: SHAPE.injectedPerTurn }, (_, k) => {
                  const i = (s * 7 + seq * 13 + k * 331) % SHAPE.skills;
                  const r = i >= 1 && i < SHAPE.generations && g > i ? 2 : 1;
                  return revId.get(`${skillName(i)}@${r}`)!;
                }),
              );
          const id = turnId(s, seq);
          ins.turn.run(
            id,
            sessionId(s),
            seq,
            side ? 'side' : 'main',
            model,
            request,
            response,
            error ? 'error' : 'ok',
            error ? 502 : 200,
            error ? 'upstream answered HTTP 502' : null,
            at,
            400 + Math.floor(rnd() * 2000),
            200,
            `{"prompt_tokens":${800 + seq * 150},"completion_tokens":${60 + (seq % 7) * 20}}`,
            g,
            injected,
          );
          if (side || error) continue;
          if (rnd() < SHAPE.judgedShare) {
            const x = rnd();
            const score = x < 0.25 ? -1 : x < 0.35 ? 0 : 1;
            ins.reward.run(
              id,
              'judge',
              score,
              `[${score},${score},${score}]`,
              'the user confirmed the result',
              at + 60_000,
            );
          }
          if (rnd() < SHAPE.feedbackShare)
            ins.reward.run(id, 'user', rnd() < 0.5 ? -0.5 : 1, null, null, at + 120_000);
        }
      }
    })();
    if ((b / BATCH) % 5 === 0)
      log(
        `sessions ${Math.min(sessions, b + BATCH)}/${sessions} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      );
  }

  // Evolutions over the month, the newest waiting for approval; learning token usage per day.
  db.transaction(() => {
    const evo = db.prepare(
      `INSERT INTO evolutions (trigger, support_turn_ids, raw_reply, ops, validation, verification, outcome, reason, generation,
         created_at, decided_by, decided_at) VALUES ('failures', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const outcomes = ['applied', 'rejected', 'duplicate', 'empty', 'failed'];
    for (let e = 0; e < SHAPE.evolutions; e++) {
      const at = Math.floor(start + ((e + 0.5) / SHAPE.evolutions) * span);
      const waiting = e >= SHAPE.evolutions - SHAPE.awaitingApproval;
      const outcome = waiting ? 'awaiting_approval' : outcomes[e % outcomes.length]!;
      const s = Math.floor((e / SHAPE.evolutions) * sessions);
      const support = [turnId(s, 1), turnId(s, 2), turnId(s, 3)];
      const name = skillName(e % SHAPE.skills);
      const ops = [
        { op: 'update', name, description: 'refined', body: 'Check the files first, then run the tests.' },
      ];
      const cases = support.map((turnId) => ({
        turnId,
        before: -1,
        after: 1,
        injected: [{ name, how: 'retrieved', changed: true }],
      }));
      evo.run(
        JSON.stringify(support),
        JSON.stringify({ ops }),
        JSON.stringify(ops),
        JSON.stringify({ accepted: ops, rejected: [], malformed: [] }),
        JSON.stringify({
          accepted: true,
          reason: '3 of 3 support turns improved, none got worse',
          replayed: true,
          cases,
        }),
        outcome,
        waiting ? 'verified; waiting for approval' : `${outcome} (seeded)`,
        outcome === 'applied' ? genOf(at) : null,
        at,
        waiting ? null : 'auto',
        waiting ? null : at + 30_000,
      );
    }
    const usage = db.prepare(
      'INSERT INTO learning_usage (day, purpose, model, calls, input_tokens, output_tokens) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (let d = 0; d <= SHAPE.days; d++) {
      const day = new Date(start + d * DAY).toISOString().slice(0, 10);
      usage.run(day, 'judge', 'gpt-4.1-mini', 60_000, 60_000_000, 1_200_000);
      usage.run(day, 'evolver', 'gpt-4.1', 70, 700_000, 140_000);
      usage.run(day, 'verification', 'gpt-4.1', 400, 1_600_000, 80_000);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  const seedSeconds = (performance.now() - t0) / 1000;
  return { file, sessions, builtAt: now, seedSeconds, bytes: fs.statSync(file).size };
}

/**
 * Move every timestamp of a cached store forward by whole days, so "the last 24 h" of a store built
 * days ago holds the same share of the data as on the day it was built. Keys are negated first so
 * shifted primary keys never collide with rows not yet shifted.
 */
export function shiftDays(file: string, days: number): void {
  const db = openStore(file);
  const ms = days * DAY;
  db.transaction(() => {
    db.prepare('UPDATE turns SET started_at = started_at + ?').run(ms);
    db.prepare(
      'UPDATE sessions SET started_at = started_at + ?1, last_activity_at = last_activity_at + ?1, ended_at = ended_at + ?1',
    ).run(ms);
    db.prepare('UPDATE rewards SET created_at = created_at + ?').run(ms);
    db.prepare('UPDATE evolutions SET created_at = created_at + ?1, decided_at = decided_at + ?1').run(ms);
    db.prepare('UPDATE generations SET created_at = created_at + ?').run(ms);
    db.prepare('UPDATE skill_revisions SET created_at = created_at + ?').run(ms);
    db.prepare('UPDATE training_steps SET created_at = created_at + ?').run(ms);
    db.prepare('UPDATE scheduler_events SET at = at + ?').run(ms);
    for (const [table, col] of [
      ['dash_traffic', 'hour'],
      ['dash_learning', 'day'],
      ['dash_sessions', 'hour'],
    ] as const) {
      db.prepare(`UPDATE ${table} SET ${col} = -(${col} + ?)`).run(ms);
      db.exec(`UPDATE ${table} SET ${col} = -${col}`);
    }
    db.prepare(`UPDATE learning_usage SET day = 'x' || date(day, ?)`).run(`+${days} days`);
    db.exec('UPDATE learning_usage SET day = substr(day, 2)');
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** The cached store under `dir`, built when missing or of another shape. */
export function cachedStore(dir: string, log: (s: string) => void): BuiltStore & { cached: boolean } {
  const meta = path.join(dir, 'shape.json');
  const file = path.join(dir, 'metaclaw.db');
  const want = JSON.stringify(SHAPE);
  if (fs.existsSync(meta) && fs.existsSync(file)) {
    const m = JSON.parse(fs.readFileSync(meta, 'utf8')) as {
      shape: string;
      built: BuiltStore;
      training?: number;
    };
    if (m.shape === want) {
      const days = Math.floor((Date.now() - m.built.builtAt) / DAY);
      if (days > 0) {
        log(`moving the cached store ${days} day(s) forward …`);
        shiftDays(file, days);
        m.built.builtAt += days * DAY;
        fs.writeFileSync(meta, JSON.stringify(m));
      }
      if (m.training !== TRAINING.VERSION) {
        log('adding training and scheduler history …');
        seedTraining(file, m.built.builtAt, SHAPE.days);
        m.training = TRAINING.VERSION;
        fs.writeFileSync(meta, JSON.stringify(m));
      }
      return { ...m.built, cached: true };
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  log(`building the store in ${dir} (cached for the next run) …`);
  const built = buildStore(file, Date.now(), log);
  seedTraining(file, built.builtAt, SHAPE.days);
  fs.writeFileSync(meta, JSON.stringify({ shape: want, built, training: TRAINING.VERSION }));
  return { ...built, cached: false };
}
