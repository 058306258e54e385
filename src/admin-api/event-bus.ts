import type { AdminEventMap, AdminEventName } from './contract.js';

export type AdminEventListener = <K extends AdminEventName>(name: K, data: AdminEventMap[K]) => void;

/**
 * In-process fan-out of dashboard events (new turns, evolutions, generations, training steps).
 * Publishing never throws and never waits: listeners (the SSE route) queue per client.
 */
export class AdminEventBus {
  private readonly listeners = new Set<AdminEventListener>();

  publish<K extends AdminEventName>(name: K, data: AdminEventMap[K]): void {
    for (const l of this.listeners) {
      try {
        l(name, data);
      } catch {
        // a broken listener must not break the publisher (the proxy or the learning loop)
      }
    }
  }

  subscribe(listener: AdminEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
