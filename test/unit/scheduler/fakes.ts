import type {
  SignalReading,
  TrainerPort,
  TrainRunResult,
  WindowSignal,
} from '../../../src/scheduler/types.js';

/** A signal the test opens and closes by hand. */
export class SwitchSignal implements WindowSignal {
  readonly name = 'switch';
  open = false;
  until: number | null = null;
  async read(): Promise<SignalReading> {
    return {
      signal: this.name,
      role: 'schedule',
      open: this.open,
      until: this.until,
      detail: this.open ? 'on' : 'off',
    };
  }
}

export class FakeClock {
  constructor(public t = Date.parse('2025-05-05T22:00:00Z')) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

/**
 * A trainer whose steps take real time (a stand-in for remote forward_backward + optim_step).
 * Told to stop, it finishes the step in flight, checkpoints and returns. The trace lets tests
 * check exactly that order.
 */
export class FakeTrainer implements TrainerPort {
  trace: string[] = [];
  work = true;
  failWith: Error | null = null;
  runs = 0;
  private stepStarted: (() => void) | null = null;

  constructor(
    private readonly stepMs = 40,
    private readonly maxSteps = 1000,
  ) {}

  async hasWork(): Promise<boolean> {
    return this.work;
  }

  /** Resolves when the next step starts (so a test can preempt mid-step). */
  nextStep(): Promise<void> {
    return new Promise((r) => {
      this.stepStarted = r;
    });
  }

  async runUntil(stop: AbortSignal): Promise<TrainRunResult> {
    this.runs++;
    let steps = 0;
    stop.addEventListener('abort', () => this.trace.push('abort'), { once: true });
    while (!stop.aborted && steps < this.maxSteps) {
      this.trace.push(`step ${steps + 1} start`);
      this.stepStarted?.();
      this.stepStarted = null;
      await new Promise((r) => setTimeout(r, this.stepMs));
      if (this.failWith) throw this.failWith;
      steps++;
      this.trace.push(`step ${steps} done`);
    }
    if (!stop.aborted) {
      this.work = false;
      return { steps, stopped: false };
    }
    this.trace.push(`checkpoint ckpt-${steps}`);
    return { steps, stopped: true, checkpoint: `ckpt-${steps}` };
  }
}
