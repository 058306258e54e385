import { describe, expect, it } from 'vitest';
import { lineChart } from '../../../src/bench/plots.js';
import { comparisonTable, type RoundResult, summarize } from '../../../src/bench/report.js';

const r = (
  condition: string,
  day: string,
  score: number,
  type: RoundResult['type'] = 'multi_choice',
): RoundResult => ({
  condition,
  day,
  arc: 'A',
  round: `${day}-${score}`,
  type,
  score,
  ...(type === 'file_check' ? { passed: score === 1 } : { exact: score === 1 }),
  tokens: 10,
});

describe('bench report', () => {
  it('pools accuracy over rounds, not over days', () => {
    // day01 has 1 round (1.0), day02 has 3 rounds (0): pooled 0.25, the mean of days would be 0.5.
    const s = summarize([
      r('baseline', 'day01', 1),
      r('baseline', 'day02', 0),
      r('baseline', 'day02', 0),
      r('baseline', 'day02', 0, 'file_check'),
    ]);
    expect(s.baseline!.accuracy).toBe(0.25);
    expect(s.baseline!.per_day).toEqual({ day01: 1, day02: 0 });
    expect(s.baseline!.file_check_pass_rate).toBe(0);
    expect(s.baseline!.mc_exact_rate).toBeCloseTo(1 / 3, 10);
    expect(s.baseline!.tokens).toBe(40);
  });

  it('prints relative gain against baseline', () => {
    const s = summarize([r('baseline', 'd', 0.5), r('skills', 'd', 0.75)]);
    const t = comparisonTable(s);
    expect(t).toContain('| baseline | 50.0 % | 0.0 % |');
    expect(t).toContain('| skills | 75.0 % | 50.0 % |');
  });

  it("adds the days' feedback, learning tokens and wall time per condition, and prints them", () => {
    const day = (learn: number, wall: number) => ({
      feedback_tokens: 5,
      feedback_calls: 1,
      learning_input_tokens: learn,
      learning_output_tokens: 1,
      learning_calls: 2,
      wall_ms: wall,
    });
    const s = summarize([r('skills', 'd1', 1), r('skills', 'd2', 0)], {
      skills: { d1: day(100, 1500), d2: day(200, 2500) },
    });
    expect(s.skills).toMatchObject({
      tokens: 30,
      learning_tokens: 302,
      learning_input_tokens: 300,
      learning_calls: 4,
      wall_ms: 4000,
      tokens_per_day: { d1: 116, d2: 216 },
    });
    expect(comparisonTable(s)).toContain('| skills | 50.0 % | 0.0 % | – | 50.0 % | 30 | 302 | 4.0 s |');
  });

  it('draws one polyline per series in a standalone SVG', () => {
    const svg = lineChart(
      'Accuracy <per day>',
      ['d1', 'd2'],
      { baseline: [0.2, 0.4], skills: [0.3, 0.9] },
      1,
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('Accuracy &lt;per day&gt;');
  });
});
