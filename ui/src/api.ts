import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../../src/admin-api/contract';

/** The proxy key, asked once when the API answers 401 and kept in this browser. */
const KEY_STORAGE = 'metaclaw.key';
type Listener = () => void;
/** Key changes (refetch with the new key) and "key needed" changes (show the prompt) are separate: a 401 must not trigger refetches. */
const keyListeners = new Set<Listener>();
const neededListeners = new Set<Listener>();
let keyNeeded = false;

export function storedKey(): string | null {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function setKey(key: string | null): void {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // private mode: the key lives only for this page
  }
  memoryKey = key;
  keyNeeded = false;
  for (const l of neededListeners) l();
  for (const l of keyListeners) l();
}

let memoryKey: string | null = storedKey();

export function currentKey(): string | null {
  return memoryKey;
}

/** True while the API refuses us for want of a (correct) key. */
export function useKeyNeeded(): boolean {
  const [, bump] = useState(0);
  useEffect(() => {
    const l = () => bump((n) => n + 1);
    neededListeners.add(l);
    return () => {
      neededListeners.delete(l);
    };
  }, []);
  return keyNeeded;
}

/** Subscribe to key changes (e.g. to reopen the event stream). */
export function onKeyChange(l: Listener): () => void {
  keyListeners.add(l);
  return () => keyListeners.delete(l);
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' };
  if (json) h['content-type'] = 'application/json';
  const key = currentKey();
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

async function failure(res: Response, sentKey: string | null): Promise<ApiFailure> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as ApiError;
    if (body?.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  // A late 401 for a request sent with an older key says nothing about the current one.
  if (res.status === 401 && sentKey === currentKey() && !keyNeeded) {
    keyNeeded = true;
    for (const l of neededListeners) l();
  }
  return new ApiFailure(res.status, message);
}

export async function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  const sent = currentKey();
  const res = await fetch(path, { headers: headers(false), signal });
  if (!res.ok) throw await failure(res, sent);
  return (await res.json()) as T;
}

export async function apiPost<T>(path: string, body: unknown = {}): Promise<T> {
  const sent = currentKey();
  const res = await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res, sent);
  return (await res.json()) as T;
}

/** An authenticated binary fetch turned into an object URL (for <img> of benchmark plots). */
export async function apiBlobUrl(path: string): Promise<string> {
  const sent = currentKey();
  const res = await fetch(path, { headers: headers(false) });
  if (!res.ok) throw await failure(res, sent);
  return URL.createObjectURL(await res.blob());
}

export interface ApiState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** GET `path` (null = nothing to load); refetches when the path or the key changes. Keeps stale data while reloading. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  const lastPath = useRef(path);
  useEffect(() => onKeyChange(() => setTick((n) => n + 1)), []);
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    const samePath = lastPath.current === path;
    lastPath.current = path;
    setState((s) => ({ data: samePath ? s.data : null, error: null, loading: true }));
    apiGet<T>(path, ctl.signal).then(
      (data) => setState({ data, error: null, loading: false }),
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        setState((s) => ({
          data: s.data,
          error: err instanceof Error ? err.message : String(err),
          loading: false,
        }));
      },
    );
    return () => ctl.abort();
  }, [path, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** Query string from defined, non-empty values. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    p.set(k, v === true ? '1' : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
