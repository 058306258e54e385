import { describe, expect, it } from 'vitest';
import {
  changeSetKey,
  failureKeys,
  normaliseText,
  requestKey,
  skillChangeKey,
} from '../../../src/learning/evolve/dedupe.js';
import { evolverUserPrompt } from '../../../src/learning/evolve/prompt.js';
import { supportCase } from '../../../src/learning/evolve/verify.js';
import { openStore } from '../../../src/store/db.js';
import { EvolutionRepository } from '../../../src/store/evolutions.js';
import type { SkillOp } from '../../../src/store/skill-repository.js';
import type { TurnRecord } from '../../../src/store/turns.js';

const put = (name: string, description: string, body: string): SkillOp => ({
  op: 'put',
  doc: { frontmatter: { name, description, metadata: { origin: 'evolved' } }, body },
});

function turn(id: string, content: unknown): TurnRecord {
  return {
    id,
    requestJson: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content }] }),
    protocol: 'openai-chat',
  } as TurnRecord;
}

describe('evolution dedupe keys', () => {
  it('a change is its name and normalised description and body; a change set is its changes in order', () => {
    expect(normaliseText('  Always\n report  IN °C ')).toBe('always report in °c');
    expect(skillChangeKey('a', 'Report weather', 'Use °C.')).toBe(
      skillChangeKey('a', ' report  WEATHER', 'use °c.\n'),
    );
    expect(skillChangeKey('a', 'Report weather', 'Use °C.')).not.toBe(
      skillChangeKey('b', 'Report weather', 'Use °C.'),
    );
    expect(skillChangeKey('a', 'Report weather', 'Use °C.')).not.toBe(
      skillChangeKey('a', 'Report weather', 'Use °F.'),
    );
    const x = put('x', 'X things', 'Do x.');
    const y: SkillOp = { op: 'remove', name: 'y' };
    expect(changeSetKey([x, y])).toBe(changeSetKey([y, x]));
    expect(changeSetKey([x, y])).not.toBe(changeSetKey([x]));
  });

  it('a failure is its turn id and the human request text, agent scaffolding aside', () => {
    const a = supportCase(turn('t1', 'What is the weather in Paris?'));
    const b = supportCase(turn('t2', [{ type: 'text', text: 'what is the  weather in paris?' }]));
    expect(a.body.stream).toBe(false);
    expect(failureKeys([a])).toEqual(['turn:t1', requestKey('What is the weather in Paris?')]);
    expect(failureKeys([b])[1]).toBe(failureKeys([a])[1]);
    expect(requestKey('   ')).toBeNull();
  });
});

describe('EvolutionRepository dedupe queries', () => {
  it('finds an applied identical change set sharing a failure, and failed changes per failure', () => {
    const db = openStore(':memory:');
    const r = new EvolutionRepository(db);
    const e1 = r.create('t', ['t1']);
    r.recordFailures(e1, ['turn:t1', 'req:aaa']);
    r.update(e1, { outcome: 'applied', changeKey: 'K', generation: 2 });
    const e2 = r.create('t', ['t2']);
    r.recordFailures(e2, ['turn:t2', 'req:aaa']);
    expect(r.appliedForSameFailures('K', ['turn:t2', 'req:aaa'], e2)).toBe(e1);
    expect(r.appliedForSameFailures('K', ['turn:t2', 'req:bbb'], e2)).toBeNull();
    expect(r.appliedForSameFailures('other', ['req:aaa'], e2)).toBeNull();
    // Only applied ones count.
    r.update(e1, { outcome: 'rejected' });
    expect(r.appliedForSameFailures('K', ['req:aaa'], e2)).toBeNull();

    r.recordFailedChanges(e2, [
      { changeKey: 'put:x:1', name: 'x', description: 'X', reason: 'not retrieved' },
    ]);
    expect(r.failedChanges(['req:aaa'])).toEqual([
      { evolutionId: e2, changeKey: 'put:x:1', name: 'x', description: 'X', reason: 'not retrieved' },
    ]);
    expect(r.failedChanges(['req:ccc'])).toEqual([]);
    expect(r.failedChanges(['req:aaa'], e2)).toEqual([]);
    r.update(e2, { outcome: 'rejected', reason: 'not retrieved' });
    expect(r.get(e2)).toMatchObject({ outcome: 'rejected', reason: 'not retrieved', changeKey: null });
  });

  it('the evolver is told what already failed verification', () => {
    const prompt = evolverUserPrompt([], [], [], 3, [
      { name: 'x', description: 'X things', evolutionId: 4, reason: 'skill x was not retrieved for turn t' },
    ]);
    expect(prompt).toContain(
      '## Already tried, failed verification (do not propose these again unchanged)\n- x (evolution #4): description: X things — skill x was not retrieved for turn t',
    );
    expect(evolverUserPrompt([], [], [], 3)).not.toContain('Already tried');
  });
});
