import fs from 'node:fs';
import type { Command } from 'commander';
import { storePath } from '../config/load.js';
import { openStore } from '../store/db.js';
import { EvolutionRepository } from '../store/evolutions.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';
import { runningService } from './pidfile.js';

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
    .description('evolutions, newest first')
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
            `#${e.id}  ${new Date(e.createdAt).toISOString()}  ${e.trigger}  ${e.outcome}${gen}  support=${e.supportTurnIds.length}  ${ops}${e.reason && e.outcome !== 'applied' ? `  (${e.reason.slice(0, 120)})` : ''}`,
          );
        }
      });
    });
  cmd
    .command('show <id>')
    .description('one evolution: support turns, proposal, validation, verification (id: 1 or #1)')
    .option('--json', 'machine-readable output')
    .action((id: string, opts: { json?: boolean }, c: Command) => {
      withEvolutions(c.optsWithGlobals() as GlobalOptions, (r) => {
        const e = r.get(parseEvolutionId(id));
        if (!e) throw new CliError(`no evolution ${id}`);
        if (opts.json) return printJson(e);
        console.log(
          `evolution #${e.id} (${e.trigger}) — ${e.outcome}${e.generation === null ? '' : `, generation ${e.generation}`}`,
        );
        if (e.reason) console.log(`reason: ${e.reason}`);
        if (e.outcome === 'awaiting_approval')
          console.log(
            `decide: metaclaw evolutions approve ${e.id}  |  metaclaw evolutions reject ${e.id} --reason …`,
          );
        console.log(`support turns: ${e.supportTurnIds.join(', ')}`);
        console.log(`ops: ${JSON.stringify(e.ops, null, 2)}`);
        console.log(`validation: ${JSON.stringify(e.validation, null, 2)}`);
        if (e.verification) for (const line of verificationLines(e.verification)) console.log(line);
      });
    });
  for (const verb of ['approve', 'reject'] as const)
    cmd
      .command(`${verb} <id>`)
      .description(
        verb === 'approve'
          ? 'apply an evolution awaiting approval (evolution.approval: manual) through the running service'
          : 'reject an evolution awaiting approval, with an optional reason',
      )
      .option('--reason <text>', 'why (recorded with the decision)')
      .action((id: string, opts: { reason?: string }, c: Command) =>
        decide(c.optsWithGlobals() as GlobalOptions, verb, id, opts.reason),
      );
}

/**
 * Approve or reject through the running service: it owns the live library, so an approved change
 * set is served from the next request and the dashboard hears of it.
 */
async function decide(opts: GlobalOptions, verb: 'approve' | 'reject', raw: string, reason?: string) {
  const id = parseEvolutionId(raw);
  const loaded = loadOrExit(opts);
  const info = runningService(loaded.home);
  if (!info)
    throw new CliError(
      `the MetaClaw service is not running (start it with \`metaclaw start\`); ${verb} goes through it`,
    );
  const key = loaded.config.proxy.api_key;
  let res: Response;
  try {
    res = await fetch(`${info.url}/v1/admin/evolutions/${id}/${verb}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(reason ? { reason } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new CliError(`the service at ${info.url} is not answering: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as {
    error?: { message?: string };
    evolution?: { id: number; outcome: string; generation: number | null; reason: string | null };
  } | null;
  if (!res.ok || !body?.evolution)
    throw new CliError(
      res.status === 404 && !body?.error?.message?.startsWith('no evolution')
        ? `the service at ${info.url} has no evolution approval route (an older version? restart it)`
        : `cannot ${verb} evolution #${id}: ${body?.error?.message ?? `HTTP ${res.status}`}`,
    );
  const e = body.evolution;
  console.log(
    e.outcome === 'applied'
      ? `evolution #${e.id} approved: applied as generation ${e.generation}, served from the next request`
      : `evolution #${e.id} rejected${e.reason ? `: ${e.reason}` : ''}`,
  );
}

/** `1` and `#1` name the same evolution. */
export function parseEvolutionId(raw: string): number {
  const n = Number(raw.trim().replace(/^#/, ''));
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`not an evolution id: ${raw} (use a number such as 1 or #1)`);
  return n;
}

interface CaseView {
  turnId: string;
  request?: string;
  before: number;
  after: number | null;
  injected?: { name: string; how: string; changed: boolean }[];
  changedInjected?: string[];
  error?: string;
}

/** The verification record in words: per support turn, what retrieval injected and the re-judged score. */
function verificationLines(v: unknown): string[] {
  const r = v as { accepted?: boolean; reason?: string; replayed?: boolean; cases?: CaseView[] };
  if (!Array.isArray(r.cases) || r.cases.some((c) => !Array.isArray(c.injected)))
    return [`verification: ${JSON.stringify(v, null, 2)}`];
  const out = [
    `verification: ${r.accepted ? 'accepted' : 'rejected'} — ${r.reason ?? ''}${r.replayed ? '' : ' (support turns not replayed)'}`,
  ];
  for (const c of r.cases) {
    const injected =
      c.injected!.length === 0
        ? 'nothing'
        : c.injected!.map((i) => `${i.name} (${i.how}${i.changed ? ', changed' : ''})`).join(', ');
    const score =
      c.after === null ? (c.error ? `replay failed: ${c.error}` : `${c.before}`) : `${c.before} → ${c.after}`;
    const got = c.changedInjected && c.changedInjected.length > 0 ? '' : ' — no changed skill was retrieved';
    out.push(
      `  turn ${c.turnId}${c.request ? ` "${c.request}"` : ''}: score ${score}; injected ${injected}${got}`,
    );
  }
  return out;
}
