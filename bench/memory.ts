// Real-V8 figures for src/memory.ts (moved out of the unit suite): how far a burst grows the young
// generation and when the manager hands it back, and its size under holdYoungGeneration().
// Each in its own process so this script's heap does not blur them. Needs `npm run build` first.
//
//   npx tsx bench/memory.ts
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;

function run(script: string): Record<string, number> {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim()) as Record<string, number>;
}

const burst = run(`
      import { manageYoungGeneration, youngGenerationBytes } from './dist/memory.js';
      let inflight = 64;
      const m = manageYoungGeneration({ inflight: () => inflight, lastActivityAt: () => burstEnd, intervalMs: 100 });
      let burstEnd = Date.now();
      const burst = () => {
        // Allocation like a busy server's: most dies young, some survives a while.
        const t0 = Date.now();
        let keep = [];
        while (Date.now() - t0 < 100) {
          for (let i = 0; i < 1000; i++) keep.push({ a: 'x' + i, b: [i, i + 1] });
          if (keep.length > 200000) keep = keep.slice(100000);
        }
      };
      let rounds = 0;
      const load = setInterval(() => {
        burst();
        if (++rounds < 20) return;
        clearInterval(load);
        inflight = 0;
        burstEnd = Date.now();
        const grown = youngGenerationBytes();
        const giveUp = setTimeout(() => done(-1), 12000);
        const wait = setInterval(() => { if (youngGenerationBytes() < grown) done(Date.now() - burstEnd); }, 100);
        const done = (waitedMs) => {
          clearInterval(wait); clearTimeout(giveUp); m.stop();
          console.log(JSON.stringify({ grown, after: youngGenerationBytes(), waitedMs }));
        };
      }, 1);
    `);
const held = run(`
      import { holdYoungGeneration, youngGenerationBytes } from './dist/memory.js';
      holdYoungGeneration();
      const initial = youngGenerationBytes();
      let keep = [];
      const t0 = Date.now();
      while (Date.now() - t0 < 1000) {
        for (let i = 0; i < 1000; i++) keep.push({ a: 'x' + i, b: [i, i + 1] });
        if (keep.length > 200000) keep = keep.slice(100000);
      }
      console.log(JSON.stringify({ initial, after: youngGenerationBytes() }));
    `);
console.log(`Node ${process.version}: young generation (MiB)`);
console.log(
  `  after a 2 s burst at 64 in flight: ${(burst.grown! / MiB).toFixed(1)}, handed back to ${(burst.after! / MiB).toFixed(1)} after ${burst.waitedMs} ms of quiet (-1 = not within 12 s)`,
);
console.log(
  `  held at start: ${(held.initial! / MiB).toFixed(1)}, after 1 s of allocation: ${(held.after! / MiB).toFixed(1)}`,
);
