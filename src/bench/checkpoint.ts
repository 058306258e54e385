import fs from 'node:fs';
import path from 'node:path';
import type { RoundResult } from './report.js';

/** Usage of one day (or one condition) apart from the per-round figures. */
export interface DayStats {
  /** Agent tokens/calls of the unscored standalone feedback turns. */
  feedback_tokens: number;
  feedback_calls: number;
  /** Tokens MetaClaw's learning calls (judge, evolver, verification) spent during the day. */
  learning_input_tokens: number;
  learning_output_tokens: number;
  learning_calls: number;
  /** Time from the day's start to its end (learning included), summed over resumed parts. */
  wall_ms: number;
}

export const emptyStats = (): DayStats => ({
  feedback_tokens: 0,
  feedback_calls: 0,
  learning_input_tokens: 0,
  learning_output_tokens: 0,
  learning_calls: 0,
  wall_ms: 0,
});

export interface DayRecord {
  results: RoundResult[];
  stats: DayStats;
}

/** State after a day's last completed round: enough to continue the day after a kill. */
export interface Checkpoint {
  /** Index of the next round to run. */
  next: number;
  results: RoundResult[];
  /** Feedback owed to the next round (null: none). */
  feedback: string | null;
  agent: unknown;
  stats: DayStats;
  /** The workspace copy taken with this checkpoint (a folder name under workspaces/<condition>/). */
  snapshot?: string;
}

const writeAtomic = (file: string, text: string): void => {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
};

/**
 * A run folder's per-day files: `rounds/<condition>-<day>.json` once the day is done, and while it
 * runs `rounds/<condition>-<day>.partial.json` plus a copy of the workspace after that round.
 */
export class RunFiles {
  constructor(private readonly out: string) {
    fs.mkdirSync(path.join(out, 'rounds'), { recursive: true });
  }

  private dayFile(c: string, day: string): string {
    return path.join(this.out, 'rounds', `${c}-${day}.json`);
  }

  private partialFile(c: string, day: string): string {
    return path.join(this.out, 'rounds', `${c}-${day}.partial.json`);
  }

  workspace(c: string, day: string): string {
    return path.join(this.out, 'workspaces', c, day);
  }

  private snapshotDir(c: string, name: string): string {
    return path.join(this.out, 'workspaces', c, name);
  }

  /** A finished day (a resumed run reuses it); null when the day did not finish. */
  finished(c: string, day: string, rounds: number): DayRecord | null {
    const f = this.dayFile(c, day);
    if (!fs.existsSync(f)) return null;
    const raw = JSON.parse(fs.readFileSync(f, 'utf8')) as DayRecord | RoundResult[];
    const rec = Array.isArray(raw) ? { results: raw, stats: emptyStats() } : raw;
    return rec.results.length === rounds ? rec : null;
  }

  finish(c: string, day: string, rec: DayRecord): void {
    writeAtomic(this.dayFile(c, day), `${JSON.stringify(rec, null, 2)}\n`);
    this.dropPartial(c, day);
  }

  /**
   * Saves the state after a round. Each save copies the workspace to a new folder and only then
   * points the checkpoint at it, so a kill at any moment leaves a consistent pair behind.
   */
  save(c: string, day: string, ws: string, cp: Checkpoint): void {
    const prev = this.load(c, day);
    const name = `${day}.after-${cp.next}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    fs.cpSync(ws, this.snapshotDir(c, name), { recursive: true });
    writeAtomic(this.partialFile(c, day), JSON.stringify({ ...cp, snapshot: name }));
    if (prev?.snapshot) fs.rmSync(this.snapshotDir(c, prev.snapshot), { recursive: true, force: true });
  }

  load(c: string, day: string): Checkpoint | null {
    const f = this.partialFile(c, day);
    return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as Checkpoint) : null;
  }

  /** Puts the workspace back as it was after the checkpoint's round. */
  restoreWorkspace(c: string, ws: string, cp: Checkpoint): void {
    fs.rmSync(ws, { recursive: true, force: true });
    fs.cpSync(this.snapshotDir(c, cp.snapshot ?? ''), ws, { recursive: true });
  }

  /** What the run has spent so far (budgets count earlier, resumed parts too). */
  spent(): { calls: number; tokens: number } {
    const f = path.join(this.out, 'spent.json');
    return fs.existsSync(f)
      ? (JSON.parse(fs.readFileSync(f, 'utf8')) as { calls: number; tokens: number })
      : { calls: 0, tokens: 0 };
  }

  saveSpent(s: { calls: number; tokens: number }): void {
    writeAtomic(path.join(this.out, 'spent.json'), JSON.stringify(s));
  }

  dropPartial(c: string, day: string): void {
    const cp = this.load(c, day);
    if (cp?.snapshot) fs.rmSync(this.snapshotDir(c, cp.snapshot), { recursive: true, force: true });
    fs.rmSync(this.partialFile(c, day), { force: true });
  }
}
