import fs from 'node:fs';
import path from 'node:path';
import type { DayStats } from './checkpoint.js';
import { lineChart } from './plots.js';
import { type ConditionSummary, type RoundResult, reportMarkdown, summarize } from './report.js';

/** Writes report.json, report.md and plots/*.svg into the run's folder. */
export function writeReport(
  out: string,
  results: RoundResult[],
  meta: Record<string, unknown>,
  stats: Record<string, Record<string, DayStats>> = {},
): Record<string, ConditionSummary> {
  const summaries = summarize(results, stats);
  fs.writeFileSync(
    path.join(out, 'report.json'),
    `${JSON.stringify({ ...meta, summary: summaries, days: stats, rounds: results }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(out, 'report.md'), reportMarkdown(summaries));
  const plots = path.join(out, 'plots');
  fs.mkdirSync(plots, { recursive: true });
  const names = Object.keys(summaries);
  const days = [...new Set(results.map((r) => r.day))];
  const series = (f: (s: ConditionSummary, k: string) => number, keys: string[]) =>
    Object.fromEntries(names.map((n) => [n, keys.map((k) => f(summaries[n]!, k))]));
  fs.writeFileSync(
    path.join(plots, 'accuracy-per-day.svg'),
    lineChart(
      'Accuracy per day',
      days,
      series((s, d) => s.per_day[d] ?? 0, days),
      1,
    ),
  );
  const arcs = [...new Set(results.filter((r) => r.type === 'file_check').map((r) => r.arc))];
  fs.writeFileSync(
    path.join(plots, 'file-check-per-arc.svg'),
    lineChart(
      'File-check pass rate per arc',
      arcs,
      series((s, a) => s.per_arc_file_check[a] ?? 0, arcs),
      1,
    ),
  );
  const cumulative = Object.fromEntries(
    names.map((n) => {
      let acc = 0;
      return [n, days.map((d) => (acc += summaries[n]!.tokens_per_day[d] ?? 0))];
    }),
  );
  fs.writeFileSync(
    path.join(plots, 'cumulative-tokens.svg'),
    lineChart('Cumulative tokens (agent serving + MetaClaw learning)', days, cumulative),
  );
  return summaries;
}

/** Appends to `$METACLAW_HOME/bench/runs.jsonl` (the dashboard's Benchmarks view reads it; last line per id wins). */
export function registerRun(home: string, entry: Record<string, unknown>): void {
  const dir = path.join(home, 'bench');
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, 'runs.jsonl'), `${JSON.stringify(entry)}\n`);
}
