import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openStore } from '../../../src/store/db.js';
import {
  type SessionFilter,
  SessionListRepository,
  sessionCountQuery,
  sessionListQuery,
} from '../../../src/store/session-list.js';
import { tempHome } from '../../helpers/tmp.js';

let db: Db;
beforeEach(() => {
  db = openStore(path.join(tempHome('metaclaw-sesslist-'), 'metaclaw.db'));
  const ins = db.prepare(
    `INSERT INTO sessions (id, client, source, started_at, last_activity_at, turn_count,
       error_turns, judged_turns, judge_failures, reward_sum, feedback_count) VALUES (?, ?, 'header', ?, ?, 1, ?, ?, ?, ?, ?)`,
  );
  // id, client, started_at, error_turns, judged_turns, judge_failures, reward_sum, feedback_count
  ins.run('a', 'codex', 1000, 1000, 1, 0, 0, 0, 0);
  ins.run('b', 'codex', 2000, 2000, 0, 2, 1, 0, 0);
  ins.run('c', 'claude-cli', 3000, 3000, 0, 1, 0, 1, 2);
  ins.run('d', null, 4000, 4000, 0, 0, 0, 0, 0);
});
afterEach(() => db.close());

const ids = (f: SessionFilter) => new SessionListRepository(db).list(f, 50, 0).map((s) => s.id);

describe('SessionListRepository', () => {
  it('filters on the session counters and start time, newest first, with matching totals', () => {
    const repo = new SessionListRepository(db);
    expect(ids({})).toEqual(['d', 'c', 'b', 'a']);
    expect(ids({ agent: 'codex' })).toEqual(['b', 'a']);
    expect(ids({ failed: true })).toEqual(['b', 'a']); // an error turn, or a judge score < 0
    expect(ids({ judged: true })).toEqual(['c', 'b']);
    expect(ids({ feedback: true })).toEqual(['c']);
    expect(ids({ since: 2000, until: 4000 })).toEqual(['c', 'b']); // until is exclusive
    expect(repo.count({ agent: 'codex', failed: true, since: 1500 })).toBe(1);
    expect(repo.list({}, 2, 1).map((s) => s.id)).toEqual(['c', 'b']);
    expect(repo.get('c')).toMatchObject({ judgedTurns: 1, rewardSum: 1, feedbackCount: 2, startedAt: 3000 });
  });

  it('plans every filter on the sessions table alone, by index where one applies', () => {
    const plan = (q: { sql: string; args: unknown[] }) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.args) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    const all: SessionFilter = { agent: 'x', since: 1, until: 2, failed: true, judged: true, feedback: true };
    for (const f of [{}, { agent: 'x' }, { since: 1 }, all]) {
      for (const p of [plan(sessionListQuery(f, 50, 0)), plan(sessionCountQuery(f))]) {
        expect(p).not.toMatch(/\bturns\b|rewards/);
        expect(p).toMatch(/USING (COVERING )?INDEX sessions_/);
      }
    }
  });
});
