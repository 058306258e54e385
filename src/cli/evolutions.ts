import fs from 'node:fs';
import type { Command } from 'commander';
import { storePath } from '../config/load.js';
import { openStore } from '../store/db.js';
import { EvolutionRepository } from '../store/evolutions.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';

function withEvolutions<T>(opts: GlobalOptions, fn: (r: EvolutionRepository) => T): T {
  const loaded = loadOrExit(opts);
  const file = storePath(loaded);
  if (!fs.existsSync(file)) throw new CliError(`no store yet at ${file}`);
  const db = openStore(file);
  try {
    return fn(new EvolutionRepository(db));
  } finally {
    db.close();
  }
}

export function registerEvolutions(program: Command): void {
  const cmd = program
    .command('evolutions')
    .description('skill evolutions: what failed, what the evolver proposed, what was applied');
  cmd
    .command('list')
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'how many, newest first', '20')
    .action((opts: { json?: boolean; limit: string }, c: Command) => {
      withEvolutions(c.optsWithGlobals() as GlobalOptions, (r) => {
        const list = r.list(Number(opts.limit));
        if (opts.json) return printJson(list.map(({ prompt: _p, rawReply: _r, ...rest }) => rest));
        if (list.length === 0) return console.log('no evolutions yet');
        for (const e of list) {
          const ops = Array.isArray(e.ops)
            ? (e.ops as { op: string; name: string }[]).map((o) => `${o.op} ${o.name}`).join(', ')
            : '';
          const gen = e.generation === null ? '' : ` → generation ${e.generation}`;
          console.log(
            `#${e.id}  ${new Date(e.createdAt).toISOString()}  ${e.trigger}  ${e.outcome}${gen}  support=${e.supportTurnIds.length}  ${ops}`,
          );
        }
      });
    });
  cmd
    .command('show <id>')
    .option('--json', 'machine-readable output')
    .action((id: string, opts: { json?: boolean }, c: Command) => {
      withEvolutions(c.optsWithGlobals() as GlobalOptions, (r) => {
        const e = r.get(Number(id));
        if (!e) throw new CliError(`no evolution ${id}`);
        if (opts.json) return printJson(e);
        console.log(
          `evolution #${e.id} (${e.trigger}) — ${e.outcome}${e.generation === null ? '' : `, generation ${e.generation}`}`,
        );
        console.log(`support turns: ${e.supportTurnIds.join(', ')}`);
        console.log(`ops: ${JSON.stringify(e.ops, null, 2)}`);
        console.log(`validation: ${JSON.stringify(e.validation, null, 2)}`);
        if (e.verification) console.log(`verification: ${JSON.stringify(e.verification, null, 2)}`);
      });
    });
}
