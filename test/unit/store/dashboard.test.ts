import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY_MS, DashboardRepository, HOUR_MS } from '../../../src/store/dashboard.js';
import { openStore } from '../../../src/store/db.js';
import { migrations } from '../../../src/store/migrations/index.js';
import { SessionRepository } from '../../../src/store/sessions.js';
import { tempHome } from '../../helpers/tmp.js';

const T0 = Date.UTC(2026, 10, 3, 10, 15); // 10:15 UTC

describe('DashboardRepository.sessionsStarted (migration 011)', () => {
  it('counts sessions per hour and per UTC day as they are created, and backfills an older store', () => {
    const file = path.join(tempHome('metaclaw-dash-'), 'metaclaw.db');
    const db = openStore(file);
    const sessions = new SessionRepository(db);
    const starts = [T0, T0 + 20 * 60_000, T0 + 2 * HOUR_MS, T0 + DAY_MS];
    starts.forEach((at, i) => {
      sessions.create(`s${i}`, 'header', 'claude-code', at);
    });
    const hour = Math.floor(T0 / HOUR_MS) * HOUR_MS;
    const day = Math.floor(T0 / DAY_MS) * DAY_MS;
    const expected = {
      hourly: [
        { t: hour, n: 2 },
        { t: hour + 2 * HOUR_MS, n: 1 },
        { t: hour + DAY_MS, n: 1 },
      ],
      daily: [
        { t: day, n: 3 },
        { t: day + DAY_MS, n: 1 },
      ],
    };
    const repo = new DashboardRepository(db);
    expect(repo.sessionsStarted(day, HOUR_MS)).toEqual(expected.hourly);
    expect(repo.sessionsStarted(day, DAY_MS)).toEqual(expected.daily);
    // From the bucket on: the session of the previous hours is not counted.
    expect(repo.sessionsStarted(hour + HOUR_MS, DAY_MS)).toEqual([
      { t: day, n: 1 },
      { t: day + DAY_MS, n: 1 },
    ]);

    // A store from before 011 (sessions, no rollup) gets the same figures when it is opened.
    // Undo 011 and run it again, as such a store would (later migrations are not re-run).
    db.exec('DROP TRIGGER dash_session_insert; DROP TABLE dash_sessions;');
    db.exec(migrations.find((m) => m.name === '011_dash_sessions')!.sql);
    db.close();
    const reopened = openStore(file);
    expect(new DashboardRepository(reopened).sessionsStarted(day, HOUR_MS)).toEqual(expected.hourly);
    reopened.close();
  });
});
