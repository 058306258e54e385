import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/db.js';
import { migrations } from '../../../src/store/migrations/index.js';
import { RewardRepository } from '../../../src/store/rewards.js';
import { SkillRepository } from '../../../src/store/skill-repository.js';
import { SkillStatsRepository } from '../../../src/store/skill-stats.js';
import { type TurnRecord, TurnRepository } from '../../../src/store/turns.js';
import { tempHome } from '../../helpers/tmp.js';

const turn = (id: string, seq: number, injected: number[]): TurnRecord => ({
  id,
  sessionId: 's',
  seq,
  kind: 'main',
  protocol: 'openai-chat',
  upstreamProtocol: 'openai-chat',
  model: 'm',
  stream: false,
  requestJson: '{}',
  upstreamRequestJson: null,
  responseJson: null,
  status: 'ok',
  httpStatus: 200,
  error: null,
  startedAt: 1_000 + seq,
  latencyMs: 1,
  ttftMs: null,
  usageJson: null,
  libraryGeneration: 1,
  injectedRevisionIds: injected,
  policyVersion: null,
});

/** A store with skills a and b (generation 1) and three judged turns: a helped once, hurt once. */
function seeded(file: string) {
  const db = openStore(file);
  const skills = new SkillRepository(db);
  const put = (name: string) => ({
    op: 'put' as const,
    doc: { frontmatter: { name, description: `skill ${name}` }, body: `do ${name}` },
  });
  skills.apply([put('alpha'), put('beta')], 'manual');
  const a = skills.members().find((r) => r.name === 'alpha')!.id;
  const turns = new TurnRepository(db);
  const rewards = new RewardRepository(db);
  turns.insert(turn('t1', 1, [a]), { create: { client: null, source: 'header', at: 1_000 } });
  turns.insert(turn('t2', 2, [a]));
  turns.insert(turn('t3', 3, []));
  rewards.insert({ turnId: 't1', source: 'judge', score: 1 });
  rewards.insert({ turnId: 't2', source: 'judge', score: -1 });
  rewards.insert({ turnId: 't3', source: 'judge', score: -1 });
  // Explicit feedback is not a judge verdict: it must not count as helpful.
  rewards.insert({ turnId: 't2', source: 'user', score: 1 });
  return db;
}

describe('SkillStatsRepository', () => {
  it('counts judged uses per skill and the same generations without it', () => {
    const db = seeded(path.join(tempHome('metaclaw-stats-'), 'metaclaw.db'));
    const usage = new SkillStatsRepository(db).usage(['alpha', 'beta']);
    expect(usage.get('alpha')).toEqual({
      injected: 2,
      judged: 2,
      rewardSum: 0,
      helpful: 1,
      harmful: 1,
      withoutJudged: 1,
      withoutRewardSum: -1,
    });
    expect(usage.get('beta')).toMatchObject({ injected: 0, withoutJudged: 3, withoutRewardSum: -1 });
    db.close();
  });

  it('pages by name, filters by text and status', () => {
    const db = seeded(path.join(tempHome('metaclaw-stats-'), 'metaclaw.db'));
    new SkillRepository(db).apply([{ op: 'remove', name: 'beta' }], 'manual');
    const stats = new SkillStatsRepository(db);
    expect(stats.page({ status: 'all', limit: 10, offset: 0 }).total).toBe(2);
    expect(stats.page({ status: 'active', limit: 10, offset: 0 }).rows.map((r) => r.name)).toEqual(['alpha']);
    expect(stats.page({ status: 'retired', limit: 10, offset: 0 }).rows).toMatchObject([
      { name: 'beta', active: false, generationAdded: 1 },
    ]);
    expect(stats.page({ q: 'SKILL B', status: 'all', limit: 10, offset: 0 }).rows.map((r) => r.name)).toEqual(
      ['beta'],
    );
    expect(stats.page({ q: '%', status: 'all', limit: 10, offset: 0 }).total).toBe(0);
    expect(stats.row('nope')).toBeNull();
    db.close();
  });

  it('migration 010 backfills helpful/harmful on a store that already has judged turns', () => {
    const file = path.join(tempHome('metaclaw-stats-'), 'metaclaw.db');
    const db = seeded(file);
    // Undo 010 (its trigger and columns gone, the turns kept) and run it again, as a store that
    // had judged turns before 010 would (later migrations are not re-run).
    const m010 = migrations.find((m) => m.name === '010_skill_verdicts')!;
    db.exec(`DROP TRIGGER dash_skill_verdict;
      ALTER TABLE dash_skill_usage DROP COLUMN helpful; ALTER TABLE dash_skill_usage DROP COLUMN harmful;`);
    db.exec(m010.sql);
    db.close();
    const reopened = openStore(file);
    expect(new SkillStatsRepository(reopened).usage(['alpha']).get('alpha')).toMatchObject({
      helpful: 1,
      harmful: 1,
    });
    reopened.close();
  });
});
