/** The injection a task got: kept so every call of the task (and later history) sends the same bytes. */
export interface TaskPin {
  generation: number;
  /** The injected block ('' = retrieval chose nothing for this task: it stays without skills). */
  text: string;
  revisionIds: number[];
}

/**
 * Per-task injections, least recently used first, bounded by the bytes of their blocks. A task is
 * one human request and its tool loop in one session; its key is the session id plus the hash of
 * the conversation up to that request. Losing a pin (eviction, restart) costs one cache miss, not
 * correctness: the task gets a fresh block.
 */
export class TaskPins {
  private readonly pins = new Map<string, TaskPin>();
  private bytes = 0;

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  get(key: string): TaskPin | undefined {
    const p = this.pins.get(key);
    if (p) {
      this.pins.delete(key);
      this.pins.set(key, p);
    }
    return p;
  }

  set(key: string, pin: TaskPin): void {
    const old = this.pins.get(key);
    if (old) this.bytes -= cost(key, old);
    this.pins.delete(key);
    this.pins.set(key, pin);
    this.bytes += cost(key, pin);
    for (const [k, p] of this.pins) {
      if (this.bytes <= this.maxBytes || this.pins.size === 1) break;
      this.pins.delete(k);
      this.bytes -= cost(k, p);
    }
  }

  get size(): number {
    return this.pins.size;
  }
}

const cost = (key: string, p: TaskPin) => 2 * (key.length + p.text.length) + 8 * p.revisionIds.length + 64;
