import fs from 'node:fs';
import type { Command } from 'commander';
import { storePath } from '../config/load.js';
import { openStore } from '../store/db.js';
import { type RetentionPlan, StoreRetention } from '../store/retention.js';
import { type StoreStats, storeStats } from '../store/stats.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';

export function registerStore(program: Command): void {
  const store = program.command('store').description('the SQLite store of recorded turns');
  store
    .command('stats')
    .description('size on disk, turns, bytes per turn, part dedup, and what store.retention_days would free')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      const file = storePath(loaded);
      if (!fs.existsSync(file))
        throw new CliError(`no store yet at ${file}: start MetaClaw and send it a request first`);
      const db = openStore(file);
      try {
        const { config } = loaded;
        const policy = {
          days: config.store.retention_days,
          keepSessions: config.store.retention_keep_sessions,
          keepUnjudged: config.judge.enabled,
        };
        const stats = storeStats(db, file);
        const retention = new StoreRetention(db).plan(policy);
        if (opts.json) return printJson({ file, ...stats, retention: { ...policy, ...retention } });
        for (const line of statsLines(file, stats, policy.days, retention)) console.log(line);
      } finally {
        db.close();
      }
    });
}

function statsLines(file: string, s: StoreStats, days: number, r: RetentionPlan): string[] {
  const disk = s.fileBytes + s.walBytes;
  const live = s.turns - s.prunedTurns;
  const stored = s.partStoredBytes + s.manifestBytes;
  const lines = [
    `store        ${file}`,
    `on disk      ${bytes(disk)} (file ${bytes(s.fileBytes)}, wal ${bytes(s.walBytes)}, free pages ${bytes(s.freeBytes)})`,
    `turns        ${s.turns}${s.prunedTurns ? ` (${s.prunedTurns} pruned by retention)` : ''}`,
    `per turn     ${s.turns ? bytes(disk / s.turns) : '-'} on disk`,
    `parts        ${s.parts} distinct, ${bytes(s.partRawBytes)} raw → ${bytes(s.partStoredBytes)} stored`,
  ];
  if (s.logicalBytes > 0) {
    lines.push(
      `dedup        bodies ${bytes(s.logicalBytes)} as sent/received → ${bytes(stored)} with manifests (${pct(stored, s.logicalBytes)})`,
    );
  }
  if (s.inlineTurns > 0)
    lines.push(`inline       ${s.inlineTurns} older turns hold ${bytes(s.inlineBytes)} inline`);
  if (live === 0) lines.push('retention    nothing to keep or free yet');
  else if (days <= 0) lines.push('retention    off (store.retention_days: 0 keeps every body)');
  else {
    lines.push(
      `retention    ${days} days: would clear ${r.turns} turns of ${r.sessions} sessions, freeing ${bytes(r.inlineBytes + r.partBytes)} (${r.parts} parts); rows, usage and rewards stay`,
    );
  }
  return lines;
}

function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function pct(a: number, b: number): string {
  return `${((100 * a) / b).toFixed(1)} %`;
}
