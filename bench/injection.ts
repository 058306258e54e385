// Injection precision and recall on a rule-learning scenario (bench/data/rule-scenario.ts): six
// learned rules beside the 13 starter skills, rule tasks worded unlike their skills and neutral
// tasks in between. Prints the current retrieval settings beside the previous defaults, same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildView } from '../src/protocol/view.js';
import { BlockComposer, o200kCounter } from '../src/skills/budget.js';
import { scanFolder } from '../src/skills/folder.js';
import { type InjectorOptions, SkillInjector } from '../src/skills/inject.js';
import { SkillLibrary } from '../src/skills/library.js';
import { openStore } from '../src/store/db.js';
import { SkillRepository } from '../src/store/skill-repository.js';
import { RULE_SKILLS, TASKS } from './data/rule-scenario.js';
import { renderTable } from './lib/table.js';

export interface InjectionFigures {
  recallFull: number;
  recallAny: number;
  precision: number;
  precisionFull: number;
  neutralWithRule: number;
  skillsPerRequest: number;
  tokensP50: number;
  tokensP95: number;
}

/** The previous defaults (no head-match rule, no coverage floor, relative floor 0.3), for comparison. */
export const PREVIOUS: Partial<InjectorOptions> = {
  requireHeadMatch: false,
  fullMinCoverage: 0,
  minRelative: 0.3,
};

export function measureInjection(options: InjectorOptions): InjectionFigures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metaclaw-bench-injection-'));
  const db = openStore(path.join(dir, 'store.db'));
  const lib = new SkillLibrary(new SkillRepository(db));
  lib.load();
  const starters = scanFolder(path.resolve('skills-starter')).skills;
  lib.apply(
    [
      ...[...starters.values()].map((s) => ({ op: 'put' as const, doc: s.doc })),
      ...RULE_SKILLS.map((r) => ({
        op: 'put' as const,
        doc: { frontmatter: { name: r.name, description: r.description }, body: r.body },
      })),
    ],
    'manual',
  );
  const counter = o200kCounter();
  const inj = new SkillInjector(lib, new BlockComposer(counter), null, options);
  const ruleNames = new Set(RULE_SKILLS.map((r) => r.name));
  let ruleTasks = 0;
  let fullHits = 0;
  let anyHits = 0;
  let injected = 0;
  let relevantInjected = 0;
  let full = 0;
  let relevantFull = 0;
  let neutral = 0;
  let neutralWithRule = 0;
  const tokens: number[] = [];
  for (const task of TASKS) {
    const body = {
      messages: [
        { role: 'system', content: 'You are a helpful personal assistant.' },
        { role: 'user', content: task.text },
      ],
    };
    const view = buildView('openai-chat', body);
    const { block, ranked } = inj.select(view);
    const ids = block?.revisionIds ?? [];
    const names = ids.map((id) => ranked.find((r) => r.revision.id === id)!.revision.name);
    const fullNames = names.slice(0, block ? countFull(block.text) : 0);
    tokens.push(block ? counter.count(block.text) : 0);
    injected += names.length;
    relevantInjected += names.filter((n) => task.relevant.includes(n)).length;
    full += fullNames.length;
    relevantFull += fullNames.filter((n) => task.relevant.includes(n)).length;
    const rule = task.relevant.find((n) => ruleNames.has(n));
    if (rule) {
      ruleTasks++;
      if (fullNames.includes(rule)) fullHits++;
      if (names.includes(rule)) anyHits++;
    } else {
      neutral++;
      if (names.some((n) => ruleNames.has(n))) neutralWithRule++;
    }
  }
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const sorted = tokens.sort((a, b) => a - b);
  return {
    recallFull: fullHits / ruleTasks,
    recallAny: anyHits / ruleTasks,
    precision: injected ? relevantInjected / injected : 1,
    precisionFull: full ? relevantFull / full : 1,
    neutralWithRule: neutralWithRule / neutral,
    skillsPerRequest: injected / TASKS.length,
    tokensP50: sorted[Math.floor(sorted.length / 2)]!,
    tokensP95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!,
  };
}

/** Full-body pieces start with `### name`. */
function countFull(text: string): number {
  return (text.match(/^### /gm) ?? []).length;
}

export function defaultOptions(): InjectorOptions {
  return {
    mode: 'lexical',
    topK: 6,
    maxFull: 3,
    budgetTokens: 2000,
    minScore: 0,
    minRelative: 0.45,
    minSimilarity: 0.2,
    requireHeadMatch: true,
    fullMinCoverage: 0.05,
    contextMessages: 2,
    placement: 'user',
  };
}

export function injectionTable(rows: [string, InjectionFigures][]): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
  return renderTable(
    [
      'settings',
      'recall (full body)',
      'recall (any)',
      'precision',
      'precision (full)',
      'neutral tasks with a rule skill',
      'skills / request',
      'tokens p50 / p95',
    ],
    rows.map(([name, f]) => [
      name,
      pct(f.recallFull),
      pct(f.recallAny),
      pct(f.precision),
      pct(f.precisionFull),
      pct(f.neutralWithRule),
      f.skillsPerRequest.toFixed(2),
      `${f.tokensP50} / ${f.tokensP95}`,
    ]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const now = defaultOptions();
  console.log(
    `Injection on the rule scenario: ${RULE_SKILLS.length} rules + starters, ${TASKS.length} tasks`,
  );
  console.log(
    injectionTable([
      ['previous defaults', measureInjection({ ...now, ...PREVIOUS })],
      ['current defaults', measureInjection(now)],
    ]),
  );
}
