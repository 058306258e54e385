import fs from 'node:fs';
import type { Command } from 'commander';
import { turnView } from '../admin-api/raw-turn.js';
import { storePath } from '../config/load.js';
import { turnView as learningView } from '../learning/turn-view.js';
import { usageTokens } from '../server/proxy/request-log.js';
import { type Db, openStore } from '../store/db.js';
import { RewardRepository } from '../store/rewards.js';
import { SessionRepository } from '../store/sessions.js';
import { SkillRepository } from '../store/skill-repository.js';
import { type TurnRecord, TurnRepository } from '../store/turns.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';
import { formatTime, resolveId } from './format.js';

function withStore<T>(opts: GlobalOptions, fn: (s: SessionRepository, t: TurnRepository, db: Db) => T): T {
  const loaded = loadOrExit(opts);
  const file = storePath(loaded);
  if (!fs.existsSync(file))
    throw new CliError(`no store yet at ${file}: start MetaClaw and send it a request first`);
  const db = openStore(file);
  try {
    return fn(new SessionRepository(db), new TurnRepository(db), db);
  } finally {
    db.close();
  }
}

export function registerSessions(program: Command): void {
  const sessions = program.command('sessions').description('recorded sessions and their turns');
  sessions
    .command('list')
    .description('recorded sessions, newest first')
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
            `${x.id}  ${formatTime(x.startedAt)}  turns=${x.turnCount}  ${state}  ${x.client ?? ''}`,
          );
        }
      });
    });
  sessions
    .command('show <id>')
    .description('one session and its turns; ID may be a unique prefix, with or without #')
    .option('--json', 'machine-readable output (full requests and responses)')
    .action((typed: string, opts: { json?: boolean }, cmd: Command) => {
      withStore(cmd.optsWithGlobals() as GlobalOptions, (s, t, db) => {
        const id = sessionId(db, typed);
        const session = id ? s.get(id) : null;
        if (!id || !session) throw new CliError(`no session ${typed} (see \`metaclaw sessions list\`)`);
        const turns = t.listBySession(id);
        if (opts.json) return printJson({ ...session, turns: turns.map(turnView) });
        console.log(`session ${session.id} (${session.source}) started ${formatTime(session.startedAt)}`);
        const rewards = new RewardRepository(db);
        for (const turn of turns) for (const line of turnLines(db, rewards, turn)) console.log(line);
      });
    });
}

/** The session a user means: its id, `#id`, or a unique prefix of one. */
function sessionId(db: Db, typed: string): string | null {
  const t = typed.trim().replace(/^#/, '');
  if (t === '') return null;
  const ids = new SessionRepository(db).idsMatching(t);
  try {
    return resolveId(t, ids);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

const CLIP = 600;
const clip = (t: string) =>
  t.length > CLIP ? `${t.slice(0, CLIP)}… (${t.length} chars; --json for all)` : t;
/** A block of text under a label, indented so turns stay apart. */
const block = (label: string, text: string) => {
  const [first, ...rest] = clip(text.trim() || '(empty)').split('\n');
  return [`    ${label.padEnd(10)}${first}`, ...rest.map((l) => `              ${l}`)];
};

/** One turn as a person reads it: header, request, answer, injected skills, judge and feedback. */
function turnLines(db: Db, rewards: RewardRepository, turn: TurnRecord): string[] {
  const ms = turn.latencyMs === null ? '' : ` ${turn.latencyMs.toFixed(0)}ms`;
  const tok = usageTokens(turn.usageJson);
  const tokens =
    tok.in !== undefined || tok.out !== undefined ? ` tokens=${tok.in ?? '?'}/${tok.out ?? '?'}` : '';
  const out = [
    `  #${turn.seq} ${formatTime(turn.startedAt)} ${turn.kind} ${turn.protocol} ${turn.model ?? ''} ${turn.status}${ms}${tokens} gen=${turn.libraryGeneration}`,
  ];
  if (turn.error) out.push(`    error:    ${turn.error}`);
  try {
    // The same protocol-neutral reading the judge gets (src/protocol/view.ts underneath).
    const v = learningView(turn);
    out.push(...block('request:', v.task), ...block('answer:', v.response));
  } catch {
    out.push('    (request not readable; see --json)');
  }
  if (turn.injectedRevisionIds.length > 0) {
    const byId = new SkillRepository(db).revisionLabels(turn.injectedRevisionIds);
    out.push(
      `    skills:   ${turn.injectedRevisionIds.map((id) => byId.get(id) ?? `revision ${id}`).join(', ')}`,
    );
  } else out.push('    skills:   none injected');
  for (const r of rewards.forTurn(turn.id)) {
    const score = `${r.score >= 0 ? '+' : ''}${r.score.toFixed(2)}`;
    const label = r.source === 'judge' ? 'judge:' : 'feedback:';
    out.push(`    ${label.padEnd(10)}${score} (${r.source})${r.rationale ? ` ${clip(r.rationale)}` : ''}`);
  }
  return out;
}
