/** Shared shapes of the scheduler: signals, readings, states and the trainer port. */

/** What a signal says about now. `open: null` means the signal could not be read (reported, not hidden). */
export interface SignalReading {
  signal: string;
  /**
   * schedule: a window with a known end (sleep, calendar); idle: open-ended (system idle);
   * idle-fallback: counts only when no `idle` signal is available (proxy inactivity).
   */
  role: 'schedule' | 'idle' | 'idle-fallback';
  open: boolean | null;
  /** Predicted end of this signal's window (ms since epoch); null = unknown / open-ended. */
  until: number | null;
  /** The user is active: closes any window whatever the other signals say. */
  veto?: boolean;
  /** Future windows this signal can foresee (sorted by start), for prediction and `next-window`. */
  upcoming?: Interval[];
  /** Start of the next commitment that may bring the user back (bounds idle windows). */
  nextCommitmentAt?: number | null;
  /** How the reading was taken (e.g. `xprintidle`, `loginctl`), when there are alternatives. */
  method?: string;
  /** Human explanation of the reading. */
  detail: string;
  error?: string;
}

export interface Interval {
  start: number;
  end: number;
  label?: string;
}

export interface WindowSignal {
  name: string;
  read(now: Date): Promise<SignalReading>;
}

export type SchedulerState = 'idle_wait' | 'window_open' | 'training' | 'preempting';
export const SCHEDULER_STATES: readonly SchedulerState[] = [
  'idle_wait',
  'window_open',
  'training',
  'preempting',
];

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** A forced decision set with `metaclaw scheduler force`; `until` null = until set back to auto. */
export interface Override {
  mode: 'open' | 'closed';
  setAt: number;
  until: number | null;
}

export interface TrainRunResult {
  /** Optimizer steps completed in this run. */
  steps: number;
  /** Whether the run stopped because it was told to (vs. running out of work). */
  stopped: boolean;
  /** Checkpoint saved on the way out, if any. */
  checkpoint?: string | null;
  detail?: string;
}

/**
 * The RL trainer as the scheduler sees it. `runUntil` trains while there is work; when `stop`
 * aborts, it finishes the remote operation in flight, saves a checkpoint when it can and returns.
 * Unused samples stay queued in the store. It must never touch the serving path.
 */
export interface TrainerPort {
  hasWork(): Promise<boolean>;
  runUntil(stop: AbortSignal): Promise<TrainRunResult>;
}
