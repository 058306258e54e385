import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileCheckRound, MultiChoiceRound } from '../../../src/bench/dataset.js';
import { CONTINUE_REMINDER, FORMAT_ERROR, feedbackText, withFeedback } from '../../../src/bench/feedback.js';
import { checkerEnv } from '../../../src/bench/python.js';
import { extractChoice, pythonSearch, scoreFileCheck, scoreMultiChoice } from '../../../src/bench/scoring.js';
import { tempHome } from '../../helpers/tmp.js';

const mc: MultiChoiceRound = {
  id: 'r1',
  type: 'multi_choice',
  question: 'q',
  feedback: {
    correct: 'Right.',
    options: { A: 'a is true', B: 'b is false', C: 'c is true', D: 'd is false' },
  },
  eval: { options: ['A', 'B', 'C', 'D'], answer: ['A', 'C'] },
};
const fc = (e: Partial<FileCheckRound['eval']>): FileCheckRound => ({
  id: 'r2',
  type: 'file_check',
  question: 'q',
  feedback: { correct: 'Good.', incorrect: 'Bad file.' },
  eval: { command: 'true', expect_exit: 0, ...e },
});

describe('bench scoring', () => {
  it('reads the first \\bbox or \\boxed', () => {
    expect(extractChoice('x \\bbox{A, c} then \\bbox{D}')).toEqual(['A', 'C']);
    expect(extractChoice('\\boxed{B}')).toEqual(['B']);
    expect(extractChoice('\\bbox{}')).toBeNull();
    expect(extractChoice('A and C')).toBeNull();
  });

  it('multi-choice = 1 - (FP+FN)/options, unclamped, with exact match', () => {
    expect(scoreMultiChoice(mc, '\\bbox{A,C}')).toMatchObject({ score: 1, exact: true });
    expect(scoreMultiChoice(mc, '\\bbox{A,B}')).toMatchObject({ score: 0.5, exact: false });
    expect(scoreMultiChoice(mc, '\\bbox{B,D}')).toMatchObject({ score: 0, exact: false });
    expect(scoreMultiChoice(mc, 'no box')).toMatchObject({ score: 0, chosen: null });
  });

  it('builds the reference feedback: missed then wrong, sorted, then the reminder', () => {
    expect(feedbackText(mc, { chosen: ['A', 'C'] })).toBe('Right.');
    expect(feedbackText(mc, { chosen: ['D', 'B'] })).toBe(
      [
        'You missed option A: a is true',
        'You missed option C: c is true',
        'You incorrectly selected option B: b is false',
        'You incorrectly selected option D: d is false',
        CONTINUE_REMINDER,
      ].join('\n'),
    );
    expect(feedbackText(mc, { chosen: null })).toBe(FORMAT_ERROR);
    expect(feedbackText(fc({}), { passed: true })).toBe('Good.');
    expect(feedbackText(fc({}), { passed: false })).toBe(`Bad file.\n${CONTINUE_REMINDER}`);
    expect(withFeedback(null, 'Q')).toBe('Q');
    expect(withFeedback('F', 'Q')).toBe('[Previous Feedback] F\n\nQ');
  });

  it('runs file checks with /bin/sh in the workspace: exit, substring and regex stdout', async () => {
    const ws = tempHome();
    expect(
      (await scoreFileCheck(fc({ command: 'echo hello > f && cat f', expect_stdout: 'ell' }), ws)).passed,
    ).toBe(true);
    expect(
      (await scoreFileCheck(fc({ command: 'cat f', expect_stdout: '^h.l+o', expect_stdout_regex: true }), ws))
        .passed,
    ).toBe(true);
    expect((await scoreFileCheck(fc({ command: 'cat f', expect_stdout: 'h.llo' }), ws)).passed).toBe(false);
    expect((await scoreFileCheck(fc({ command: 'exit 3', expect_exit: 3 }), ws)).passed).toBe(true);
    // Read as text like Python's subprocess(text=True): a checker's \r\n is \n.
    expect(
      (await scoreFileCheck(fc({ command: 'printf "a\\r\\nb"', expect_stdout: 'a\nb' }), ws)).passed,
    ).toBe(true);
    expect((await scoreFileCheck(fc({ command: 'test -f missing' }), ws)).passed).toBe(false);
    const slow = await scoreFileCheck(fc({ command: 'sleep 5', timeout: 0.2 }), path.resolve(ws));
    expect(slow).toMatchObject({ passed: false, timedOut: true });
  });

  it('matches expect_stdout_regex with Python re.search semantics, not a JS RegExp', async () => {
    const ws = tempHome();
    const env = checkerEnv(path.join(ws, '.bin')).env;
    const rx = (pattern: string, command = 'printf "total: 12 ok\\n"') =>
      scoreFileCheck(fc({ command, expect_stdout: pattern, expect_stdout_regex: true }), ws, env).then(
        (r) => r.passed,
      );
    // Named groups and \Z are Python syntax a JS RegExp rejects or reads differently.
    expect(await rx('total: (?P<n>\\d+) (?P=n)?ok')).toBe(true);
    expect(await rx('ok\\n\\Z')).toBe(true);
    expect(await rx('(?i)TOTAL')).toBe(true);
    // re.search finds a match anywhere, but ^ anchors at the start without MULTILINE.
    expect(await rx('^ok', 'printf "first\\nok\\n"')).toBe(false);
    expect(await rx('(?m)^ok', 'printf "first\\nok\\n"')).toBe(true);
    // A pattern Python cannot compile fails the round, as the reference's exception would.
    expect(await rx('(unclosed')).toBe(false);
    expect(await pythonSearch('caf\u00e9', 'un café', env)).toBe(true);
  });

  it('feedback of an empty incorrect text stays empty (no reminder alone)', () => {
    const r = fc({});
    r.feedback.incorrect = '';
    expect(feedbackText(r, { passed: false })).toBe('');
  });
});
