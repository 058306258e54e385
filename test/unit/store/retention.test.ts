import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Db, openStore } from '../../../src/store/db.js';
import { JobQueue } from '../../../src/store/jobs.js';
import { type RetentionPolicy, StoreRetention, startRetention } from '../../../src/store/retention.js';
import { storeStats } from '../../../src/store/stats.js';
import { type TurnRecord, TurnRepository } from '../../../src/store/turns.js';
import { tempHome } from '../../helpers/tmp.js';

const DAY = 86_400_000;
const NOW = 100 * DAY;
const TOOLS = Array.from({ length: 12 }, (_, i) => ({
  name: `tool_${i}`,
  description: `does thing ${i} `.repeat(30),
  input_schema: { type: 'object' },
}));

function turn(
  sessionId: string,
  seq: number,
  startedAt: number,
  extra: Partial<TurnRecord> = {},
): TurnRecord {
  const messages = [{ role: 'user', content: `${sessionId} task ${seq} `.repeat(20) }];
  return {
    id: `${sessionId}-${seq}`,
    sessionId,
    seq,
    kind: 'main',
    protocol: 'anthropic-messages',
    upstreamProtocol: 'anthropic-messages',
    model: 'm',
    stream: false,
    requestJson: JSON.stringify({ model: 'm', messages, tools: TOOLS }),
    upstreamRequestJson: JSON.stringify({ model: 'm', system: 'skills block', messages, tools: TOOLS }),
    responseJson: JSON.stringify({ content: [{ type: 'text', text: `answer ${sessionId} ${seq}` }] }),
    status: 'ok',
    httpStatus: 200,
    error: null,
    startedAt,
    latencyMs: 1,
    ttftMs: null,
    usageJson: null,
    libraryGeneration: 0,
    injectedRevisionIds: [],
    policyVersion: null,
    promptTokenIds: null,
    responseTokenIds: null,
    responseLogprobs: null,
    ...extra,
  };
}

/** Two-turn sessions, each for one reason to keep (or not). */
function seed(db: Db, repo: TurnRepository) {
  const session = (id: string, at: number, extra: Partial<TurnRecord> = {}) => {
    repo.insert(turn(id, 1, at, extra), { create: { client: 'agent', source: 'header', at } });
    repo.insert(turn(id, 2, at + 1000, extra));
  };
  const reward = (turnId: string, score: number) =>
    db
      .prepare(`INSERT INTO rewards (turn_id, source, score, created_at) VALUES (?, 'judge', ?, ?)`)
      .run(turnId, score, NOW);
  const judged = (id: string, score = 1) => {
    reward(`${id}-1`, score);
    reward(`${id}-2`, score);
  };
  session('plain', 10 * DAY); // old, judged, nothing pending: pruned
  judged('plain');
  session('plain2', 11 * DAY);
  judged('plain2');
  session('recent', NOW - DAY); // within retention_days
  judged('recent');
  session('job', 12 * DAY); // its turn still waits in a judge job
  reward('job-2', 1);
  new JobQueue(db).enqueue('judge', { turnId: 'job-1', nextTurnId: 'job-2' }, { dedupeKey: 'judge:job-1' });
  session('candidate', 13 * DAY); // a failure no evolution has consumed yet
  judged('candidate', -1);
  session('support', 14 * DAY); // consumed as evolution support: provenance
  judged('support', -1);
  db.prepare(
    `INSERT INTO evolutions (trigger, support_turn_ids, outcome, created_at) VALUES ('t', '["support-1"]', 'applied', 1)`,
  ).run();
  db.prepare(`UPDATE turns SET consumed_by_evolution = 1 WHERE id = 'support-1'`).run();
  session('rl', 15 * DAY, { promptTokenIds: [1, 2], responseTokenIds: [3], responseLogprobs: [-0.1] });
  judged('rl');
  db.prepare(
    `INSERT INTO samples (turn_id, library_generation, status) VALUES ('rl-1', 0, 'used'), ('rl-2', 0, 'queued')`,
  ).run();
  session('unjudged', 16 * DAY); // the judge has not scored it yet
}

const policy = (over: Partial<RetentionPolicy> = {}): RetentionPolicy => ({
  days: 30,
  keepSessions: 1,
  keepUnjudged: true,
  ...over,
});

describe('StoreRetention', () => {
  it('clears only sessions learning no longer needs, and collects their parts', async () => {
    const home = tempHome();
    const file = path.join(home, 'm.db');
    const db = openStore(file);
    const repo = new TurnRepository(db);
    seed(db, repo);
    const retention = new StoreRetention(db);
    const before = new Map(repo.listBySession('recent').map((t) => [t.id, t]));
    const kept = ['recent', 'job', 'candidate', 'support', 'rl', 'unjudged'];
    const keptTurns = kept.flatMap((s) => repo.listBySession(s));

    expect(retention.candidates(policy(), NOW).sort()).toEqual(['plain', 'plain2']);
    const plan = retention.plan(policy(), NOW);
    expect(plan).toMatchObject({ sessions: 2, turns: 4 });
    // Each pruned session's own messages and answers go (2 turns × 2); the shared tool list stays.
    expect(plan.parts).toBe(8);

    const done = await retention.prune(policy(), NOW);
    expect(done).toMatchObject({ sessions: 2, turns: 4, parts: plan.parts, partBytes: plan.partBytes });

    for (const id of ['plain-1', 'plain2-2']) {
      const t = repo.get(id)!;
      expect(t.prunedAt).toBe(NOW);
      expect([t.requestJson, t.upstreamRequestJson, t.responseJson]).toEqual(['{}', null, null]);
    }
    // Rows, rewards and counters stay.
    expect(repo.count()).toBe(16);
    expect(
      (db.prepare(`SELECT COUNT(*) AS n FROM rewards WHERE turn_id = 'plain-1'`).get() as { n: number }).n,
    ).toBe(1);
    // Everything learning needs reads back unchanged.
    for (const t of keptTurns) expect(repo.get(t.id)).toEqual(t);
    expect(new Map(repo.listBySession('recent').map((t) => [t.id, t]))).toEqual(before);
    expect(storeStats(db, file).prunedTurns).toBe(4);
    // A second run finds nothing more.
    expect(retention.candidates(policy(), NOW)).toEqual([]);
    db.close();
  });

  it('lets unjudged sessions go when the judge is off, keeps the newest N, and does nothing at 0 days', () => {
    const home = tempHome();
    const db = openStore(path.join(home, 'm.db'));
    const repo = new TurnRepository(db);
    seed(db, repo);
    const retention = new StoreRetention(db);
    expect(retention.candidates(policy({ keepUnjudged: false }), NOW).sort()).toEqual([
      'plain',
      'plain2',
      'unjudged',
    ]);
    // The newest sessions by activity: recent, unjudged, rl, … — keep 3 protects unjudged too.
    expect(retention.candidates(policy({ keepUnjudged: false, keepSessions: 3 }), NOW).sort()).toEqual([
      'plain',
      'plain2',
    ]);
    expect(retention.candidates(policy({ days: 0 }), NOW)).toEqual([]);
    db.close();
  });
});

describe('startRetention', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs shortly after start and then daily', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    vi.setSystemTime(NOW);
    const home = tempHome();
    const db = openStore(path.join(home, 'm.db'));
    const repo = new TurnRepository(db);
    seed(db, repo);
    const reports: unknown[] = [];
    let notify: () => void = () => {};
    let keep = 1;
    const task = startRetention(
      db,
      () => policy({ keepSessions: keep }),
      (r) => {
        reports.push(r);
        notify();
      },
    );
    const next = () => new Promise<void>((resolve) => (notify = resolve));
    let ran = next();
    vi.advanceTimersByTime(5_000);
    await ran;
    expect(reports).toEqual([{ ok: true, sessions: 2, turns: 4, parts: 8, partBytes: expect.any(Number) }]);
    // A day later (and with no newest session kept) the once-recent session has aged out too.
    vi.setSystemTime(NOW + 40 * DAY);
    keep = 0;
    ran = next();
    vi.advanceTimersByTime(86_400_000);
    await ran;
    expect(reports[1]).toMatchObject({ ok: true, sessions: 1 });
    expect(repo.get('recent-1')!.prunedAt).toBeGreaterThan(NOW + 40 * DAY);
    task.stop();
    db.close();
  });
});
