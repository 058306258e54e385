import fs from 'node:fs';
import type { Command } from 'commander';
import { storePath } from '../config/load.js';
import { turnView } from '../server/routes/admin.js';
import { openStore } from '../store/db.js';
import { SessionRepository } from '../store/sessions.js';
import { TurnRepository } from '../store/turns.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';

function withStore<T>(opts: GlobalOptions, fn: (s: SessionRepository, t: TurnRepository) => T): T {
  const loaded = loadOrExit(opts);
  const file = storePath(loaded);
  if (!fs.existsSync(file))
    throw new CliError(`no store yet at ${file}: start MetaClaw and send it a request first`);
  const db = openStore(file);
  try {
    return fn(new SessionRepository(db), new TurnRepository(db));
  } finally {
    db.close();
  }
}

export function registerSessions(program: Command): void {
  const sessions = program.command('sessions').description('recorded sessions and their turns');
  sessions
    .command('list')
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'how many, newest first', '20')
    .action((opts: { json?: boolean; limit: string }, cmd: Command) => {
      withStore(cmd.optsWithGlobals() as GlobalOptions, (s) => {
        const list = s.list({ limit: Number(opts.limit) });
        if (opts.json) return printJson(list);
        if (list.length === 0) return console.log('no sessions recorded yet');
        for (const x of list) {
          const state = x.endedAt ? `ended (${x.endReason})` : 'open';
          console.log(
            `${x.id}  ${new Date(x.startedAt).toISOString()}  turns=${x.turnCount}  ${state}  ${x.client ?? ''}`,
          );
        }
      });
    });
  sessions
    .command('show <id>')
    .option('--json', 'machine-readable output (full requests and responses)')
    .action((id: string, opts: { json?: boolean }, cmd: Command) => {
      withStore(cmd.optsWithGlobals() as GlobalOptions, (s, t) => {
        const session = s.get(id);
        if (!session) throw new CliError(`no session ${id}`);
        const turns = t.listBySession(id);
        if (opts.json) return printJson({ ...session, turns: turns.map(turnView) });
        console.log(
          `session ${session.id} (${session.source}) started ${new Date(session.startedAt).toISOString()}`,
        );
        for (const turn of turns) {
          const ms = turn.latencyMs === null ? '' : `${turn.latencyMs.toFixed(0)}ms`;
          console.log(
            `  #${turn.seq} ${turn.kind} ${turn.protocol} ${turn.status} ${ms} gen=${turn.libraryGeneration} ${turn.error ?? ''}`,
          );
        }
      });
    });
}
