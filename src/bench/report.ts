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
  tokens: number;
}

export interface ConditionSummary {
  rounds: number;
  accuracy: number;
  file_check_pass_rate: number | null;
  mc_exact_rate: number | null;
  tokens: number;
  per_day: Record<string, number>;
  per_arc_file_check: Record<string, number>;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/** Accuracy is pooled over rounds (sum of scores / rounds), not the mean of the days. */
export function summarize(results: readonly RoundResult[]): Record<string, ConditionSummary> {
  const out: Record<string, ConditionSummary> = {};
  const conditions = [...new Set(results.map((r) => r.condition))];
  for (const c of conditions) {
    const rs = results.filter((r) => r.condition === c);
    const fc = rs.filter((r) => r.type === 'file_check');
    const mc = rs.filter((r) => r.type === 'multi_choice');
    const perDay: Record<string, number> = {};
    for (const day of [...new Set(rs.map((r) => r.day))]) {
      const d = rs.filter((r) => r.day === day);
      perDay[day] = d.reduce((s, r) => s + r.score, 0) / d.length;
    }
    const perArc: Record<string, number> = {};
    for (const arc of [...new Set(fc.map((r) => r.arc))]) {
      const a = fc.filter((r) => r.arc === arc);
      perArc[arc] = a.filter((r) => r.passed).length / a.length;
    }
    out[c] = {
      rounds: rs.length,
      accuracy: rs.reduce((s, r) => s + r.score, 0) / rs.length,
      file_check_pass_rate: ratio(fc.filter((r) => r.passed).length, fc.length),
      mc_exact_rate: ratio(mc.filter((r) => r.exact).length, mc.length),
      tokens: rs.reduce((s, r) => s + r.tokens, 0),
      per_day: perDay,
      per_arc_file_check: perArc,
    };
  }
  return out;
}

const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);

/** The table the paper prints: accuracy and file-check completion per condition, relative gain. */
export function comparisonTable(summaries: Record<string, ConditionSummary>): string {
  const names = Object.keys(summaries);
  const base = summaries.baseline ?? summaries[names[0]!]!;
  const lines = [
    '| condition | accuracy | gain | file-check | mc exact | tokens |',
    '|---|---|---|---|---|---|',
  ];
  for (const n of names) {
    const s = summaries[n]!;
    const gain =
      base.accuracy > 0 ? `${(((s.accuracy - base.accuracy) / base.accuracy) * 100).toFixed(1)} %` : '–';
    lines.push(
      `| ${n} | ${pct(s.accuracy)} | ${gain} | ${pct(s.file_check_pass_rate)} | ${pct(s.mc_exact_rate)} | ${s.tokens} |`,
    );
  }
  return lines.join('\n');
}

export function reportMarkdown(summaries: Record<string, ConditionSummary>): string {
  const parts = ['# MetaClaw-Bench report', '', comparisonTable(summaries), '', '## Accuracy per day', ''];
  const names = Object.keys(summaries);
  const days = [...new Set(names.flatMap((n) => Object.keys(summaries[n]!.per_day)))];
  parts.push(`| day | ${names.join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`);
  for (const d of days)
    parts.push(`| ${d} | ${names.map((n) => pct(summaries[n]!.per_day[d] ?? null)).join(' | ')} |`);
  return `${parts.join('\n')}\n`;
}
