import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BlockComposer, o200kCounter, type TokenCounter } from '../../../src/skills/budget.js';
import { skillMeta } from '../../../src/skills/format.js';
import type { RankedSkill } from '../../../src/skills/retrieval.js';
import type { SkillRevision } from '../../../src/store/skill-repository.js';

let counter: TokenCounter;
beforeAll(() => {
  counter = o200kCounter();
});

function rev(id: number, name: string, description: string, body: string): RankedSkill {
  const frontmatter = { name, description };
  const revision: SkillRevision = {
    id,
    name,
    revision: 1,
    generation: 1,
    description,
    body,
    frontmatter,
    meta: skillMeta(frontmatter),
    provenance: null,
    helpful: 0,
    harmful: 0,
    createdAt: 0,
    key: String(id),
  };
  return { revision, score: 1, pinned: false, coverage: 1, strong: true };
}

// Text that stresses tokenizer boundaries: punctuation, newlines, code fences, unicode, slashes.
const word = fc.oneof(
  fc.constantFrom(
    'plan',
    'verify',
    '.',
    '/',
    '\n',
    '\n\n',
    '```',
    '- ',
    '#',
    ':',
    '  ',
    'naïve',
    '日本語',
    '🙂',
    'rm -rf /tmp',
    '1234',
    "don't",
  ),
  fc.string({ maxLength: 12 }),
);
const text = (max: number) => fc.array(word, { maxLength: max }).map((a) => a.join(' ').trim());
const skill = fc.record({
  name: fc.stringMatching(/^[a-z]{1,8}(-[a-z]{1,8}){0,2}$/),
  description: text(30).filter((s) => s.length > 0),
  body: text(200),
});

describe('budgeted injection block', () => {
  it('never exceeds the budget, and its counted size is the exact tokenizer count (property)', () => {
    const composer = new BlockComposer(counter);
    let id = 0;
    fc.assert(
      fc.property(
        fc.array(skill, { maxLength: 12 }),
        fc.integer({ min: 0, max: 1500 }),
        fc.integer({ min: 0, max: 6 }),
        (skills, budget, maxFull) => {
          const ranked = skills.map((s) => rev(++id, s.name, s.description, s.body));
          const block = composer.compose(ranked, { budgetTokens: budget, maxFull });
          if (!block) return;
          const exact = counter.count(block.text);
          expect(exact).toBe(block.tokens);
          expect(exact).toBeLessThanOrEqual(budget);
          expect(block.full).toBeLessThanOrEqual(maxFull);
        },
      ),
      { numRuns: 250 },
    );
  });

  it('gives full bodies to the best skills, then name + description lines, in rank order', () => {
    const composer = new BlockComposer(counter);
    const body = 'Step one. '.repeat(60);
    const ranked = [1, 2, 3, 4, 5].map((i) => rev(i, `skill-${i}`, `does thing ${i}`, body));
    const one = counter.count(`### skill-1\ndoes thing 1\n\n${body}\n\n`);
    const block = composer.compose(ranked, { budgetTokens: 2 * one + 80, maxFull: 3 })!;
    expect(block.full).toBe(2);
    expect(block.lines).toBe(3);
    expect(block.revisionIds).toEqual([1, 2, 3, 4, 5]);
    expect(block.text).toContain('### skill-2');
    expect(block.text).not.toContain('### skill-3');
    expect(block.text).toContain('- skill-3: does thing 3');
    expect(block.text.indexOf('skill-1')).toBeLessThan(block.text.indexOf('skill-5'));
  });

  it('injects nothing when not even the header fits or nothing is ranked', () => {
    const composer = new BlockComposer(counter);
    expect(composer.compose([rev(1, 'a', 'b', 'c')], { budgetTokens: 5, maxFull: 3 })).toBeNull();
    expect(composer.compose([], { budgetTokens: 5000, maxFull: 3 })).toBeNull();
  });
});
