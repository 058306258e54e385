import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchAgentReply } from '../fixtures/fake-llm/bench-agent.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/tmp.js';

const SYNTH = path.resolve('test/fixtures/bench-synth');
let fake: FakeLlm;

beforeAll(async () => {
  fake = await startFakeLlm({ recordRequests: false });
  fake.script((req) => benchAgentReply(req, 'key'));
});
afterAll(() => fake.close());

describe('metaclaw bench (CLI)', () => {
  it('a malformed questions.json exits 2 naming the file and the field', async () => {
    const home = tempHome();
    const data = path.join(home, 'set');
    fs.cpSync(SYNTH, data, { recursive: true });
    const file = path.join(data, 'eval/day03/questions.json');
    const q = JSON.parse(fs.readFileSync(file, 'utf8'));
    q.rounds[0].eval.answer = 'A';
    fs.writeFileSync(file, JSON.stringify(q));
    const r = await runCli(['bench', 'validate', '--data', data], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: rounds[0].eval.answer must be an array of option letters`);
  });

  it('runs the baseline, writes report, plots and the run registry, and compares runs', async () => {
    const home = tempHome();
    const out = path.join(home, 'run1');
    const r = await runCli(
      [
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
        '--days',
        '1-2',
      ],
      { home },
    );
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| baseline | 100.0 % |');
    expect(r.stdout).toMatch(/runner overhead: [\d.]+ s per round/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.summary.baseline.rounds).toBe(6);
    expect(fs.readFileSync(path.join(out, 'plots/accuracy-per-day.svg'), 'utf8')).toContain('<svg');
    const runs = fs
      .readFileSync(path.join(home, 'bench/runs.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ id: 'run1', out_dir: out, summary: { baseline: { accuracy: 1 } } });
    expect(runs[1].finished_at).toBeTruthy();
    const again = await runCli(
      ['bench', 'run', '--data', SYNTH, '--out', out, '--upstream', `${fake.url}/v1`],
      { home },
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--resume');
    const cmp = await runCli(['bench', 'compare', out], { home });
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toContain('| condition | accuracy | gain | file-check | mc exact | tokens |');
  });
});
