/** The injection a task got: kept so every call of the task (and later history) sends the same bytes. */
export interface TaskPin {
  generation: number;
  /** The injected block ('' = retrieval chose nothing for this task: it stays without skills). */
  text: string;
  revisionIds: number[];
}

interface SessionPins {
  pins: Map<string, TaskPin>;
  bytes: number;
}

/**
 * Per-task injections, grouped by session. A task is one human request and its tool loop; its key
 * is the hash of the conversation up to that request. Pins live as long as their session: the
 * service drops them when the session ends, and past `maxBytes` of blocks the least recently used
 * sessions go first. Losing a pin (eviction, restart) costs one prompt-cache miss, not correctness:
 * the task gets a fresh block.
 */
export class TaskPins {
  private readonly sessions = new Map<string, SessionPins>();
  private bytes = 0;

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  get(sessionId: string, task: string): TaskPin | undefined {
    const s = this.sessions.get(sessionId);
    if (!s) return undefined;
    // Keep sessions in use order: eviction reads the front.
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, s);
    return s.pins.get(task);
  }

  set(sessionId: string, task: string, pin: TaskPin): void {
    let s = this.sessions.get(sessionId);
    if (!s) {
      s = { pins: new Map(), bytes: 0 };
      this.sessions.set(sessionId, s);
    }
    const old = s.pins.get(task);
    const delta = cost(task, pin) - (old ? cost(task, old) : 0);
    s.pins.set(task, pin);
    s.bytes += delta;
    this.bytes += delta;
    for (const [id, other] of this.sessions) {
      if (this.bytes <= this.maxBytes || other === s) break;
      this.forgetSession(id);
    }
  }

  /** The session ended: its tasks are over. */
  forgetSession(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    this.sessions.delete(sessionId);
    this.bytes -= s.bytes;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
}

const cost = (task: string, p: TaskPin) => 2 * (task.length + p.text.length) + 8 * p.revisionIds.length + 64;
