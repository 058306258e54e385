import { useEffect, useRef, useState } from 'preact/hooks';
import type { AdminEventMap, AdminEventName } from '../../src/admin-api/contract';
import { currentKey, onKeyChange } from './api';

/** One EventSource for the whole page; views subscribe by event name. */
type Handler = (data: unknown) => void;
const handlers = new Map<AdminEventName, Set<Handler>>();
const statusListeners = new Set<(s: LiveStatus) => void>();
export type LiveStatus = 'connecting' | 'live' | 'offline';
let status: LiveStatus = 'connecting';
let source: EventSource | null = null;
const NAMES: AdminEventName[] = ['turn', 'evolution', 'generation', 'training_step', 'alert', 'resync'];

function setStatus(s: LiveStatus): void {
  status = s;
  for (const l of statusListeners) l(s);
}

function open(): void {
  source?.close();
  const key = currentKey();
  // EventSource cannot send headers: the events route alone accepts the key in the query.
  const url = `/v1/admin/events${key ? `?key=${encodeURIComponent(key)}` : ''}`;
  const es = new EventSource(url);
  source = es;
  setStatus('connecting');
  es.onopen = () => setStatus('live');
  es.onerror = () => setStatus(es.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
  for (const name of NAMES) {
    es.addEventListener(name, (ev) => {
      let data: unknown;
      try {
        data = JSON.parse((ev as MessageEvent<string>).data);
      } catch {
        return;
      }
      for (const h of handlers.get(name) ?? []) h(data);
      // A resync means events were dropped: every subscriber refetches.
      if (name === 'resync') for (const set of handlers.values()) for (const h of set) h(null);
    });
  }
}

export function startLive(): void {
  open();
  onKeyChange(open);
}

export function useLiveStatus(): LiveStatus {
  const [s, set] = useState(status);
  useEffect(() => {
    statusListeners.add(set);
    return () => {
      statusListeners.delete(set);
    };
  }, []);
  return s;
}

/** Call `fn` on each of these events (data is null after a resync). */
export function useLive<K extends AdminEventName>(
  names: K[],
  fn: (data: AdminEventMap[K] | null, name: K) => void,
): void {
  const ref = useRef(fn);
  ref.current = fn;
  const key = names.join(',');
  useEffect(() => {
    const subs: [AdminEventName, Handler][] = names.map((n) => [
      n,
      (d) => ref.current(d as AdminEventMap[K], n),
    ]);
    for (const [n, h] of subs) {
      let set = handlers.get(n);
      if (!set) {
        set = new Set();
        handlers.set(n, set);
      }
      set.add(h);
    }
    return () => {
      for (const [n, h] of subs) handlers.get(n)?.delete(h);
    };
  }, [key]);
}

/** Refetch (debounced) when any of these events arrives: lists stay current without a storm of requests. */
export function useLiveReload(
  names: AdminEventName[],
  reload: () => void,
  filter?: (data: unknown) => boolean,
): void {
  const timer = useRef<number | null>(null);
  useLive(names, (data) => {
    if (data !== null && filter && !filter(data)) return;
    if (timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      reload();
    }, 300);
  });
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
}
