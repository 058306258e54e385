import { describe, expect, it } from 'vitest';
import { majorityVote, parseJudgeReply } from '../../../src/learning/judge/parse.js';

describe('parseJudgeReply', () => {
  it('reads the last Score line and keeps the rationale above it', () => {
    expect(parseJudgeReply('The answer is right.\nScore: 1')).toEqual({
      score: 1,
      rationale: 'The answer is right.',
    });
    expect(parseJudgeReply('User corrected it.\n\nScore: -1\n')).toEqual({
      score: -1,
      rationale: 'User corrected it.',
    });
    expect(parseJudgeReply('**Score:** 0')).toMatchObject({ score: 0 });
    expect(parseJudgeReply('score = +1')).toMatchObject({ score: 1 });
  });

  it('uses the last such line when the rationale quotes the format', () => {
    const r = parseJudgeReply('I must end with "Score: 1" or\nScore: 1\nOn reflection it failed.\nScore: -1');
    expect(r.score).toBe(-1);
  });

  it('treats malformed replies as invalid votes', () => {
    expect(parseJudgeReply('Looks good to me!').score).toBeNull();
    expect(parseJudgeReply('Score: 5').score).toBeNull();
    expect(parseJudgeReply('Score: maybe').score).toBeNull();
    expect(parseJudgeReply('').score).toBeNull();
  });
});

describe('majorityVote', () => {
  it('takes the majority of valid votes', () => {
    expect(majorityVote([1, 1, -1])).toBe(1);
    expect(majorityVote([-1, null, -1])).toBe(-1);
    expect(majorityVote([0, 0, 1])).toBe(0);
  });

  it('returns 0 on ties and when no vote is valid', () => {
    expect(majorityVote([1, -1])).toBe(0);
    expect(majorityVote([1, -1, null])).toBe(0);
    expect(majorityVote([null, null, null])).toBe(0);
    expect(majorityVote([])).toBe(0);
  });
});
