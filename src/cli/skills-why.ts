import fs from 'node:fs';
import { storePath } from '../config/load.js';
import { explainWhy, injectorOptions, type WhyReport } from '../skills/admin.js';
import { BlockComposer, o200kCounter } from '../skills/budget.js';
import { SkillInjector } from '../skills/inject.js';
import { SkillLibrary } from '../skills/library.js';
import { openStore } from '../store/db.js';
import { SkillRepository } from '../store/skill-repository.js';
import { CliError, type GlobalOptions, loadOrExit } from './context.js';
import { runningService } from './pidfile.js';

// `metaclaw skills why`: what retrieval would inject for a request, and why.

/**
 * What retrieval would inject for `text`: asked of the running service when there is one (it sees
 * exactly the live index, embeddings included), else computed from the store (lexical).
 */
export async function whyReport(opts: GlobalOptions, text: string): Promise<WhyReport & { source: string }> {
  const loaded = loadOrExit(opts);
  const cfg = loaded.config;
  const info = runningService(loaded.home);
  if (info) {
    let res: Response | null = null;
    try {
      res = await fetch(`${info.url}/v1/admin/skills/why?q=${encodeURIComponent(text)}`, {
        headers: cfg.proxy.api_key ? { authorization: `Bearer ${cfg.proxy.api_key}` } : {},
        signal: AbortSignal.timeout(5000),
      });
    } catch {
      res = null; // not answering: fall back to the store
    }
    if (res?.ok) return { ...((await res.json()) as WhyReport), source: `service ${info.url}` };
    if (res) {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      if (res.status !== 404)
        throw new CliError(
          `the service at ${info.url} answered HTTP ${res.status}: ${body?.error?.message ?? ''}`,
        );
      console.error(
        `metaclaw: the service at ${info.url} has no skills/why route; reading the store instead`,
      );
    }
  }
  if (!cfg.skills.enabled)
    throw new CliError('skills are disabled (skills.enabled: false): nothing is injected');
  const file = storePath(loaded);
  const db = openStore(fs.existsSync(file) ? file : ':memory:');
  try {
    const lib = new SkillLibrary(new SkillRepository(db));
    lib.load();
    const o = injectorOptions(cfg.skills);
    // Embeddings live in the service; offline, retrieval is lexical.
    const injector = new SkillInjector(lib, new BlockComposer(o200kCounter()), null, {
      ...o,
      mode: 'lexical',
    });
    return { ...explainWhy(injector, lib, text), source: 'store' };
  } finally {
    db.close();
  }
}

export function printWhy(r: WhyReport & { source: string }): void {
  const injected = r.skills.filter((s) => s.injected !== 'cut').length;
  console.log(
    `generation ${r.generation}, ${r.retrieval} retrieval, placement ${r.placement} (from the ${r.source})`,
  );
  console.log(
    injected === 0
      ? 'nothing would be injected'
      : `block: ${r.block_tokens} tokens of ${r.budget_tokens}, ${injected} skill(s)`,
  );
  if (r.skills.length === 0) console.log('no skill matches this request');
  const width = Math.max(4, ...r.skills.map((s) => s.name.length), ...r.dropped.map((s) => s.name.length));
  for (const s of r.skills) {
    const score = s.pinned ? 'pinned' : `score ${s.score === null ? '-' : s.score.toFixed(2)}`;
    console.log(
      `  #${s.rank} ${s.name.padEnd(width)}  ${score.padEnd(12)} head ${`${Math.round(s.coverage * 100)}%`.padStart(4)}  ${s.injected.padEnd(4)}  ${s.why}`,
    );
  }
  if (r.dropped.length > 0) {
    console.log('dropped before ranking:');
    for (const s of r.dropped)
      console.log(`     ${s.name.padEnd(width)}  score ${s.score.toFixed(2).padEnd(6)} ${s.why}`);
  }
}
