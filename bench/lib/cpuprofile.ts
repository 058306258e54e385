import fs from 'node:fs';
import path from 'node:path';

/** The parts of a V8 `.cpuprofile` (as written by `node --cpu-prof`) that a summary needs. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotFunction {
  name: string;
  /** `file:line` (1-based), shortened to the part after node_modules/ or the repo. */
  where: string;
  selfMs: number;
  selfPct: number;
  /** Time with this function anywhere on the stack (counted once per sample). */
  totalMs: number;
  totalPct: number;
}

export interface ProfileSummary {
  file: string;
  profiledMs: number;
  idleMs: number;
  gcMs: number;
  top: HotFunction[];
  /** Self time grouped by source file (or `(native)`/`(gc)`/`(program)`), largest first. */
  byFile: { file: string; selfMs: number; selfPct: number }[];
}

function shortUrl(url: string, root: string): string {
  if (url === '') return '(native)';
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) u = u.slice(nm + 'node_modules/'.length);
  else if (u.startsWith(root)) u = u.slice(root.length + 1);
  return u;
}

/** Top self-time functions of a CPU profile, excluding idle time from the percentages. */
export function summarizeCpuProfile(file: string, root = process.cwd(), topN = 25): ProfileSummary {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const key = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'}\u0000${shortUrl(f.url, root)}:${f.lineNumber + 1}`;
  };
  let idle = 0;
  let gc = 0;
  let totalUs = 0;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    totalUs += us;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    if (f.functionName === '(garbage collector)') gc += us;
    const k = key(id);
    self.set(k, (self.get(k) ?? 0) + us);
    const fileKey = f.url === '' ? f.functionName || '(native)' : shortUrl(f.url, root);
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = key(cur);
      if (seen.has(ck)) continue;
      seen.add(ck);
      total.set(ck, (total.get(ck) ?? 0) + us);
    }
  }
  const busy = Math.max(1, totalUs - idle);
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([k, us]) => {
      const [name, where] = k.split('\u0000') as [string, string];
      const t = total.get(k) ?? us;
      return {
        name,
        where,
        selfMs: us / 1000,
        selfPct: (100 * us) / busy,
        totalMs: t / 1000,
        totalPct: (100 * t) / busy,
      };
    });
  const byFile = [...files.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([f, us]) => ({ file: f, selfMs: us / 1000, selfPct: (100 * us) / busy }));
  return {
    file: path.basename(file),
    profiledMs: totalUs / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    top,
    byFile,
  };
}
