import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Size V8's young generation by load: small while the service is quiet or serves one agent at a
 * time, large under concurrent load, and handed back once it is quiet again.
 *
 * - **Growth only under concurrency.** V8 grows the young generation (up to 32 MB on 64-bit
 *   Node 20) whenever enough survives its scavenges, and ordinary one-at-a-time traffic was
 *   enough to take an idle proxy from ~90 to ~120 MB RSS. So growth is off (growth factor 1)
 *   until `growAtInflight` requests are in flight at once. Under such load it pays: with the
 *   young generation held small, scavenges took a quarter of the proxy's CPU at 64 clients.
 * - **Handed back when quiet.** V8 shrinks the young generation only at a collection that finds
 *   the allocation rate low, and an idle process allocates nothing, so nothing collects. Once the
 *   service is quiet this runs two scavenges (about a millisecond each): one after `settleMs`,
 *   which closes the burst's allocation record, and one after `idleMs`, past V8's 5 s rate
 *   window, at which V8 sees the quiet and shrinks the young generation to its minimum. Growth
 *   is then off again until the next concurrent burst.
 *
 * `metaclaw start` holds growth from its first line (`holdYoungGeneration`): loading the service's
 * modules would otherwise grow it to 16 MB before any request.
 *
 * The growth factor is read each time V8 considers growing, so it can change at run time, unlike
 * `--max-semi-space-size`, which every way of launching the service would have to pass.
 */
export interface YoungGenerationOptions {
  /** Requests in flight now. */
  inflight(): number;
  /** Time the last request started (ms since epoch; 0 = none yet). */
  lastActivityAt(): number;
  /** In-flight requests from which the young generation may grow. */
  growAtInflight?: number;
  /** Quiet time before the first, settling scavenge (ms). */
  settleMs?: number;
  /** Quiet time before the reclaiming scavenge (ms); past V8's 5 s rate window plus `settleMs`. */
  idleMs?: number;
  /** How often to look (ms). */
  intervalMs?: number;
  now?: () => number;
  /** Injectable for tests: one young-generation collection, and switching growth on or off. */
  collect?: () => void;
  allowGrowth?: (on: boolean) => void;
}

export interface YoungGenerationManager {
  stop(): void;
}

/** V8's default growth factor (Node 20 and later). */
const V8_DEFAULT_GROWTH_FACTOR = 2;

export function manageYoungGeneration(opts: YoungGenerationOptions): YoungGenerationManager {
  const growAt = opts.growAtInflight ?? 8;
  const settleMs = opts.settleMs ?? 1000;
  const idleMs = opts.idleMs ?? 7000;
  const now = opts.now ?? Date.now;
  const collect = opts.collect ?? scavenge;
  const allowGrowth = opts.allowGrowth ?? setGrowth;
  const startedAt = now();
  let growing = false;
  allowGrowth(false);
  // The activity time the current quiet period follows, and how far its reclaiming got.
  let quietSince: number | null = null;
  let stage: 'none' | 'settled' | 'done' = 'none';
  // A long request (a stream) allocates until it ends: quiet starts when it does, not at its start.
  let busySeenAt = 0;

  const timer = setInterval(() => {
    const inflight = opts.inflight();
    if (inflight >= growAt && !growing) {
      growing = true;
      allowGrowth(true);
    }
    if (inflight > 0) {
      busySeenAt = now();
      return;
    }
    const last = Math.max(opts.lastActivityAt() || startedAt, busySeenAt);
    if (last !== quietSince) {
      quietSince = last;
      stage = 'none';
    }
    const quietMs = now() - last;
    if (stage === 'none' && quietMs >= settleMs) {
      stage = 'settled';
      collect();
    } else if (stage === 'settled' && quietMs >= idleMs) {
      stage = 'done';
      collect();
      if (growing) {
        growing = false;
        allowGrowth(false);
      }
    }
  }, opts.intervalMs ?? 250);
  timer.unref();

  return { stop: () => clearInterval(timer) };
}

/** Hold the young generation at its size now (V8 starts it at 1 MB) until `manageYoungGeneration`. */
export function holdYoungGeneration(): void {
  setGrowth(false);
}

/** Current size of V8's young generation (new space), in bytes. */
export function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

function setGrowth(on: boolean): void {
  v8.setFlagsFromString(`--semi-space-growth-factor=${on ? V8_DEFAULT_GROWTH_FACTOR : 1}`);
}

/** One young-generation collection (nothing when V8's gc() is unavailable). */
function scavenge(): void {
  exposedGc()?.({ type: 'minor' });
}

type GcFunction = (options?: { type?: 'minor' | 'major' }) => void;
let gcFunction: GcFunction | null | undefined;

/**
 * V8's gc(), without asking every way of launching the service to pass --expose-gc: a context
 * created after the flag is set gets the function.
 */
function exposedGc(): GcFunction | null {
  if (gcFunction !== undefined) return gcFunction;
  const global = (globalThis as { gc?: GcFunction }).gc;
  if (typeof global === 'function') {
    gcFunction = global;
    return gcFunction;
  }
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    gcFunction = typeof fn === 'function' ? (fn as GcFunction) : null;
  } catch {
    gcFunction = null;
  }
  return gcFunction;
}
