import type { Db } from '../store/db.js';
import { LlmCallRepository } from '../store/llm-calls.js';

/** Counts LLM calls per local day and purpose, so judge and evolver stay within a daily budget. */
export class CallBudget {
  private readonly calls: LlmCallRepository;

  constructor(
    db: Db,
    private readonly purpose: string,
    private dailyLimit: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.calls = new LlmCallRepository(db);
  }

  /** A new daily limit (live config reload); calls already made today still count. */
  setLimit(n: number): void {
    this.dailyLimit = n;
  }

  /** Reserve `n` calls for today; false when that would exceed the limit (0 = unlimited). */
  tryReserve(n: number): boolean {
    return this.calls.tryReserve(localDay(this.now()), this.purpose, n, this.dailyLimit);
  }

  used(day = localDay(this.now())): number {
    return this.calls.used(day, this.purpose);
  }

  /** Milliseconds until the budget resets (local midnight). */
  msUntilReset(): number {
    const now = this.now();
    const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    return midnight.getTime() - now.getTime();
  }
}

export function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A counting semaphore: at most `limit` holders at once. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
