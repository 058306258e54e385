import fs from 'node:fs';
import type { Command } from 'commander';
import { resolveUnderHome } from '../config/paths.js';
import { formatLogLine } from '../logging.js';
import { CliError, type GlobalOptions, loadLenient } from './context.js';

// Only the end of a large log is read for `-n`: enough for any sane N of lines.
const TAIL_BYTES = 4 * 1024 * 1024;

/** The service's log file: from the config when it loads, else the default under the home. */
export function logFilePath(opts: GlobalOptions): string {
  const { home, loaded } = loadLenient(opts);
  return resolveUnderHome(home, loaded?.config.logging.file ?? 'logs/metaclaw.log');
}

/** The last `n` lines of `file` and the byte offset its end was at. */
export function lastLines(file: string, n: number): { lines: string[]; end: number } {
  const size = fs.statSync(file).size;
  const from = Math.max(0, size - TAIL_BYTES);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - from);
    fs.readSync(fd, buf, 0, buf.length, from);
    let lines = buf.toString('utf8').split('\n');
    if (from > 0) lines = lines.slice(1); // the first line is probably cut
    if (lines.at(-1) === '') lines.pop();
    return { lines: n > 0 ? lines.slice(-n) : [], end: size };
  } finally {
    fs.closeSync(fd);
  }
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("the background service's log, readable (--json for the raw lines)")
    .option('-f, --follow', 'keep printing new lines as they are written')
    .option('-n, --lines <n>', 'how many of the last lines to show', '50')
    .option('--json', 'raw JSON lines, as written')
    .action(async (opts: { follow?: boolean; lines: string; json?: boolean }, cmd: Command) => {
      const n = Number(opts.lines);
      if (!Number.isInteger(n) || n < 0)
        throw new CliError(`-n must be a whole number ≥ 0, got ${opts.lines}`, 2);
      const file = logFilePath(cmd.optsWithGlobals() as GlobalOptions);
      if (!fs.existsSync(file)) {
        throw new CliError(
          `no log yet at ${file}: \`metaclaw start\` writes it (foreground runs log to the terminal)`,
        );
      }
      const show = (line: string) => {
        if (line.trim() !== '') process.stdout.write(`${opts.json ? line : formatLogLine(line)}\n`);
      };
      const { lines, end } = lastLines(file, n);
      for (const l of lines) show(l);
      if (opts.follow) await follow(file, end, show);
    });
}

/** Print lines appended after `offset` until interrupted; starts over if the file is truncated or replaced. */
async function follow(file: string, offset: number, show: (line: string) => void): Promise<never> {
  let pos = offset;
  let partial = '';
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      continue; // rotated away; the service recreates it
    }
    if (size < pos) pos = 0;
    if (size === pos) continue;
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - pos);
      fs.readSync(fd, buf, 0, buf.length, pos);
      pos = size;
      const parts = (partial + buf.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) show(p);
    } finally {
      fs.closeSync(fd);
    }
  }
}
