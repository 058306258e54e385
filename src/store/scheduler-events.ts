import { SCHEDULER_STATES, type SchedulerState } from '../scheduler/types.js';
import type { Db } from './db.js';

export interface SchedulerEvent {
  id: number;
  at: number;
  from: SchedulerState;
  to: SchedulerState;
  reason: string;
}

interface Row {
  id: number;
  at: number;
  from_state: string;
  to_state: string;
  reason: string;
}

/** The `scheduler_events` table: every state transition, written before it takes effect. */
export class SchedulerEventRepository {
  private readonly insertStmt;
  private readonly lastStmt;
  private readonly listStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      'INSERT INTO scheduler_events (at, from_state, to_state, reason) VALUES (?, ?, ?, ?)',
    );
    this.lastStmt = db.prepare('SELECT * FROM scheduler_events ORDER BY id DESC LIMIT 1');
    this.listStmt = db.prepare('SELECT * FROM scheduler_events WHERE at >= ? ORDER BY id DESC LIMIT ?');
  }

  record(at: number, from: SchedulerState, to: SchedulerState, reason: string): SchedulerEvent {
    const id = Number(this.insertStmt.run(at, from, to, reason).lastInsertRowid);
    return { id, at, from, to, reason };
  }

  last(): SchedulerEvent | null {
    const row = this.lastStmt.get() as Row | undefined;
    return row ? toEvent(row) : null;
  }

  /** Newest first. */
  list(opts: { limit?: number; since?: number } = {}): SchedulerEvent[] {
    return (this.listStmt.all(opts.since ?? 0, opts.limit ?? 50) as Row[]).map(toEvent);
  }
}

function toEvent(r: Row): SchedulerEvent {
  return { id: r.id, at: r.at, from: asState(r.from_state), to: asState(r.to_state), reason: r.reason };
}

/** Unknown states (a newer version's store) read as idle_wait, the safe state. */
function asState(s: string): SchedulerState {
  return (SCHEDULER_STATES as readonly string[]).includes(s) ? (s as SchedulerState) : 'idle_wait';
}
