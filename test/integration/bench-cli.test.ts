import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchAgentReply } from '../fixtures/fake-llm/bench-agent.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/tmp.js';

const SYNTH = path.resolve('test/fixtures/bench-synth');
let fake: FakeLlm;
let calls = 0;
let hangAt = 0;
let hung: () => void = () => {};

beforeAll(async () => {
  fake = await startFakeLlm({ recordRequests: false });
  fake.script((req) => {
    if (++calls === hangAt) {
      hung();
      return { fault: 'hang' };
    }
    return benchAgentReply(req, 'key');
  });
});
afterAll(() => fake.close());

const runArgs = (out: string, ...extra: string[]) => [
  'bench',
  'run',
  '--data',
  SYNTH,
  '--out',
  out,
  '--condition',
  'baseline',
  '--upstream',
  `${fake.url}/v1`,
  ...extra,
];

/** report.json without what measures time, which no two runs share. */
function report(out: string) {
  const rep = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  delete rep.elapsed_ms;
  delete rep.runner_overhead_s_per_round;
  for (const s of Object.values(rep.summary) as { wall_ms?: number }[]) delete s.wall_ms;
  for (const days of Object.values(rep.days) as Record<string, { wall_ms?: number }>[])
    for (const d of Object.values(days)) delete d.wall_ms;
  return rep;
}

/** Each test makes whole bench runs (spawned CLIs, checkers); allow for a busy machine. */
const SLOW = 120_000;

describe('metaclaw bench (CLI)', () => {
  it(
    'a malformed questions.json exits 2 naming the file and the field',
    async () => {
      const home = tempHome();
      const data = path.join(home, 'set');
      fs.cpSync(SYNTH, data, { recursive: true });
      const file = path.join(data, 'eval/day03/questions.json');
      const q = JSON.parse(fs.readFileSync(file, 'utf8'));
      q.rounds[0].eval.answer = { A: true };
      fs.writeFileSync(file, JSON.stringify(q));
      const r = await runCli(['bench', 'validate', '--data', data], { home });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${file}: rounds[0].eval.answer must be an array of option letters`);
      const ok = await runCli(['bench', 'validate', '--data', SYNTH], { home });
      expect(ok.stdout).toContain('Bench-Synth: 3 days, 9 rounds');
    },
    SLOW,
  );

  it(
    'runs the baseline, writes report, plots and the run registry, and compares runs',
    async () => {
      const home = tempHome();
      const out = path.join(home, 'run1');
      const r = await runCli([...runArgs(out), '--days', '1-2'], { home });
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('| baseline | 100.0 % | 0.0 % | 100.0 % | 100.0 % | 622 | 0 |');
      expect(r.stdout).toMatch(/runner overhead: [\d.]+ s per round/);
      const rep = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
      expect(rep.summary.baseline).toMatchObject({ rounds: 6, tokens: 622, learning_tokens: 0 });
      expect(rep.summary.baseline.wall_ms).toBeGreaterThan(0);
      expect(fs.readFileSync(path.join(out, 'plots/cumulative-tokens.svg'), 'utf8')).toContain('<svg');
      const runs = fs
        .readFileSync(path.join(home, 'bench/runs.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(runs).toHaveLength(2);
      expect(runs[1]).toMatchObject({
        id: 'run1',
        out_dir: out,
        summary: { baseline: { accuracy: 1, tokens: 622 } },
      });
      expect(runs[1].finished_at).toBeTruthy();
      const again = await runCli(runArgs(out), { home });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('--resume');
      const out2 = path.join(home, 'run2');
      expect((await runCli([...runArgs(out2), '--days', '3', '--jobs', '2'], { home })).code).toBe(0);
      const cmp = await runCli(['bench', 'compare', out, out2], { home });
      expect(cmp.code).toBe(0);
      expect(cmp.stdout).toContain(
        '| condition | accuracy | gain | file-check | mc exact | serving tokens | learning tokens | wall time |',
      );
      expect(cmp.stdout).toContain('| baseline (run1) | 100.0 % | 0.0 % |');
      expect(cmp.stdout).toContain('| baseline (run2) | 100.0 % | 0.0 % |');
    },
    SLOW,
  );

  it(
    'SIGKILL in the middle of a day: --resume continues after the last completed round, same report',
    async () => {
      const home = tempHome();
      const whole = path.join(home, 'whole');
      expect((await runCli(runArgs(whole), { home })).code).toBe(0);
      const out = path.join(home, 'killed');
      calls = 0;
      hangAt = 9; // day01 takes 6 calls; day02: round 1, round 2's tool call, then its answer never comes
      const hanging = new Promise<void>((r) => {
        hung = r;
      });
      const child = spawn(process.execPath, [path.resolve('bin/metaclaw.js'), ...runArgs(out)], {
        env: { PATH: process.env.PATH, HOME: home, METACLAW_HOME: home },
        stdio: 'ignore',
      });
      const exited = new Promise((r) => child.once('exit', r));
      await hanging;
      child.kill('SIGKILL');
      await exited;
      hangAt = 0;
      const partial = JSON.parse(
        fs.readFileSync(path.join(out, 'rounds/baseline-day02.partial.json'), 'utf8'),
      );
      expect(partial.next).toBe(1);
      calls = 0;
      const resumed = await runCli([...runArgs(out), '--resume'], { home });
      expect(resumed.code).toBe(0);
      expect(calls).toBe(11); // day02 from round 2 (5 calls) and day03 (6), nothing redone
      expect(report(out)).toEqual(report(whole));
    },
    SLOW,
  );

  it(
    '--max-calls stops with a clear message and a resumable state; --jobs is refused for learning days',
    async () => {
      const home = tempHome();
      const out = path.join(home, 'budget');
      const r = await runCli([...runArgs(out), '--max-calls', '3'], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('--max-calls 3 reached (3 agent model calls made)');
      expect(r.stderr).toContain(`continue with --resume --out ${out}`);
      expect((await runCli([...runArgs(out), '--resume'], { home })).code).toBe(0);
      const bad = await runCli([...runArgs(path.join(home, 'x')), '--jobs', '0'], { home });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--jobs 0: use a whole number of at least 1');
      const learn = await runCli(
        [...runArgs(path.join(home, 'learn')), '--condition', 'skills', '--jobs', '2', '--days', '1'],
        { home },
      );
      expect(learn.stderr).toContain(
        '--jobs 2 applies to the baseline only; skills run their days in order, since each day learns from the ones before',
      );
      expect(learn.code).toBe(0);
    },
    SLOW,
  );
});
