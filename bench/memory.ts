// Real-V8 figures for src/memory.ts (moved out of the unit suite): how far a burst grows the young
// generation and when the manager hands it back, and its size under holdYoungGeneration(). And the
// token counter's cost (src/skills/o200k.ts) next to js-tiktoken's encoder it replaced, counting the
// starter skills. Each in its own process so this script's heap does not blur them. Needs
// `npm run build` first.
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

// The token counter: build time and what it keeps resident, ours and js-tiktoken's, same texts.
const counterScript = (build: string, count: string) => `
      import fs from 'node:fs';
      import path from 'node:path';
      import { createRequire } from 'node:module';
      const dir = 'skills-starter';
      const texts = fs.readdirSync(dir).map((d) => fs.readFileSync(path.join(dir, d, 'SKILL.md'), 'utf8'));
      const mem = () => process.memoryUsage();
      globalThis.gc(); const before = mem();
      const t0 = performance.now();
      ${build}
      let tokens = 0;
      for (const t of texts) tokens += ${count};
      const buildMs = performance.now() - t0;
      globalThis.gc(); const after = mem();
      const t1 = performance.now();
      for (let i = 0; i < 20; i++) for (const t of texts) ${count};
      console.log(JSON.stringify({ tokens, buildMs, countMs: (performance.now() - t1) / 20,
        rss: after.rss - before.rss, heap: after.heapUsed - before.heapUsed,
        buffers: after.arrayBuffers - before.arrayBuffers }));
    `;
function runGc(script: string): Record<string, number> {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim()) as Record<string, number>;
}
const ours = runGc(
  counterScript(
    "const { loadO200k } = await import('./dist/skills/o200k.js'); const enc = loadO200k();",
    'enc.count(t)',
  ),
);
const tiktoken = runGc(
  counterScript(
    "const { Tiktoken } = await import('js-tiktoken/lite'); const enc = new Tiktoken(createRequire(import.meta.url)('js-tiktoken/ranks/o200k_base'));",
    'enc.encode(t, [], []).length',
  ),
);
console.log('o200k token counter, 13 starter skills (MiB resident after gc; ms):');
for (const [name, r] of [
  ['src/skills/o200k.ts', ours],
  ['js-tiktoken Tiktoken', tiktoken],
] as const) {
  console.log(
    `  ${name.padEnd(22)} tokens ${r.tokens}, build+first count ${r.buildMs!.toFixed(0)} ms, ` +
      `count all ${r.countMs!.toFixed(1)} ms, +RSS ${(r.rss! / MiB).toFixed(1)}, ` +
      `+heap ${(r.heap! / MiB).toFixed(1)}, +array buffers ${(r.buffers! / MiB).toFixed(1)}`,
  );
}
if (ours.tokens !== tiktoken.tokens) {
  console.log('  counts differ: see test/unit/skills/o200k.test.ts');
  process.exitCode = 1;
}
