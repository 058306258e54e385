import type { DayStats } from './checkpoint.js';

/** Per-round results → per-day and pooled figures, report.md, and the paper's comparison table. */
export interface RoundResult {
  condition: string;
  day: string;
  arc: string;
  round: string;
  type: 'multi_choice' | 'file_check';
  score: number;
  exact?: boolean;
  passed?: boolean;
  /** Agent tokens of the round (input + output), its split, and its model calls. */
  tokens: number;
  input_tokens?: number;
  output_tokens?: number;
  calls?: number;
}

export interface ConditionSummary {
  rounds: number;
  accuracy: number;
  file_check_pass_rate: number | null;
  mc_exact_rate: number | null;
  /** Serving: every agent model call (rounds and the unscored feedback turns). */
  tokens: number;
  input_tokens: number;
  output_tokens: number;
  calls: number;
  /** MetaClaw's learning calls (judge, evolver, verification); 0 for the baseline. */
  learning_tokens: number;
  learning_input_tokens: number;
  learning_output_tokens: number;
  learning_calls: number;
  /** Sum of the days' wall times (model and learning time included). */
  wall_ms: number;
  per_day: Record<string, number>;
  per_arc_file_check: Record<string, number>;
  /** Serving + learning tokens per day, in day order. */
  tokens_per_day: Record<string, number>;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);
const sum = <T>(xs: readonly T[], f: (x: T) => number): number => xs.reduce((s, x) => s + f(x), 0);

/** Accuracy is pooled over rounds (sum of scores / rounds), not the mean of the days. */
export function summarize(
  results: readonly RoundResult[],
  stats: Record<string, Record<string, DayStats>> = {},
): Record<string, ConditionSummary> {
  const out: Record<string, ConditionSummary> = {};
  const conditions = [...new Set(results.map((r) => r.condition))];
  for (const c of conditions) {
    const rs = results.filter((r) => r.condition === c);
    const fc = rs.filter((r) => r.type === 'file_check');
    const mc = rs.filter((r) => r.type === 'multi_choice');
    const days = [...new Set(rs.map((r) => r.day))];
    const ds = stats[c] ?? {};
    const st = Object.values(ds);
    const perDay: Record<string, number> = {};
    const tokensPerDay: Record<string, number> = {};
    for (const day of days) {
      const d = rs.filter((r) => r.day === day);
      perDay[day] = sum(d, (r) => r.score) / d.length;
      const s = ds[day];
      tokensPerDay[day] =
        sum(d, (r) => r.tokens) +
        (s ? s.feedback_tokens + s.learning_input_tokens + s.learning_output_tokens : 0);
    }
    const perArc: Record<string, number> = {};
    for (const arc of [...new Set(fc.map((r) => r.arc))]) {
      const a = fc.filter((r) => r.arc === arc);
      perArc[arc] = a.filter((r) => r.passed).length / a.length;
    }
    const fbTokens = sum(st, (s) => s.feedback_tokens);
    const li = sum(st, (s) => s.learning_input_tokens);
    const lo = sum(st, (s) => s.learning_output_tokens);
    out[c] = {
      rounds: rs.length,
      accuracy: sum(rs, (r) => r.score) / rs.length,
      file_check_pass_rate: ratio(fc.filter((r) => r.passed).length, fc.length),
      mc_exact_rate: ratio(mc.filter((r) => r.exact).length, mc.length),
      tokens: sum(rs, (r) => r.tokens) + fbTokens,
      input_tokens: sum(rs, (r) => r.input_tokens ?? 0),
      output_tokens: sum(rs, (r) => r.output_tokens ?? 0),
      calls: sum(rs, (r) => r.calls ?? 0) + sum(st, (s) => s.feedback_calls),
      learning_tokens: li + lo,
      learning_input_tokens: li,
      learning_output_tokens: lo,
      learning_calls: sum(st, (s) => s.learning_calls),
      wall_ms: sum(st, (s) => s.wall_ms),
      per_day: perDay,
      per_arc_file_check: perArc,
      tokens_per_day: tokensPerDay,
    };
  }
  return out;
}

const pct = (v: number | null | undefined): string => (v == null ? '–' : `${(v * 100).toFixed(1)} %`);
const num = (v: number | undefined): string => (v === undefined ? '–' : String(Math.round(v)));
const secs = (ms: number | undefined): string => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

/**
 * The table the paper prints: accuracy and file-check completion per condition, relative gain
 * against the baseline; then the cost: serving and learning tokens and wall time.
 */
export function comparisonTable(summaries: Record<string, Partial<ConditionSummary>>): string {
  const names = Object.keys(summaries);
  const baseName = names.find((n) => n === 'baseline' || n.startsWith('baseline (')) ?? names[0]!;
  const base = summaries[baseName]!;
  const lines = [
    '| condition | accuracy | gain | file-check | mc exact | serving tokens | learning tokens | wall time |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const n of names) {
    const s = summaries[n]!;
    const b = base.accuracy ?? 0;
    const gain = b > 0 ? `${((((s.accuracy ?? 0) - b) / b) * 100).toFixed(1)} %` : '–';
    lines.push(
      `| ${n} | ${pct(s.accuracy)} | ${gain} | ${pct(s.file_check_pass_rate)} | ${pct(s.mc_exact_rate)} | ${num(s.tokens)} | ${num(s.learning_tokens)} | ${secs(s.wall_ms)} |`,
    );
  }
  return lines.join('\n');
}

export function reportMarkdown(summaries: Record<string, ConditionSummary>): string {
  const parts = [
    '# MetaClaw-Bench report',
    '',
    comparisonTable(summaries),
    '',
    'Accuracy: the sum of round scores over the number of rounds (multi-choice 1 − (wrong + missed) / options; file-check 1 or 0), pooled over all days. Gain: relative to the baseline. Serving tokens: every agent model call; learning tokens: MetaClaw judge, evolver and verification calls. Wall time: the days summed.',
    '',
    '## Accuracy per day',
    '',
  ];
  const names = Object.keys(summaries);
  const days = [...new Set(names.flatMap((n) => Object.keys(summaries[n]!.per_day)))];
  parts.push(`| day | ${names.join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`);
  for (const d of days)
    parts.push(`| ${d} | ${names.map((n) => pct(summaries[n]!.per_day[d] ?? null)).join(' | ')} |`);
  const arcs = [...new Set(names.flatMap((n) => Object.keys(summaries[n]!.per_arc_file_check)))];
  if (arcs.length) {
    parts.push('', '## File-check pass rate per arc', '');
    parts.push(`| arc | ${names.join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`);
    for (const a of arcs)
      parts.push(
        `| ${a} | ${names.map((n) => pct(summaries[n]!.per_arc_file_check[a] ?? null)).join(' | ')} |`,
      );
  }
  return `${parts.join('\n')}\n`;
}
