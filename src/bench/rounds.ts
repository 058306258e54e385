import { fail, record, str } from './data-errors.js';

/**
 * One round of `eval/dayNN/questions.json`, as the reference runner reads it: `type` defaults to
 * `multi_choice`; `feedback` and its texts may be missing (empty); multi-choice `eval.options` is
 * an object letter → text (a list in older sets; only its size is scored) and `eval.answer` a list
 * of letters or a string such as "A,C"; `update` is an optional list of pre-round actions.
 */
export interface MultiChoiceRound {
  id: string;
  type: 'multi_choice';
  /** questions.json group id; feedback chains reset between groups. */
  group?: string;
  question: string;
  feedback: { correct: string; options: Record<string, string> };
  /** `options`: the option keys (their number is the score's denominator); `answer`: uppercase letters. */
  eval: { options: string[]; answer: string[] };
}

export interface FileCheckRound {
  id: string;
  type: 'file_check';
  group?: string;
  question: string;
  feedback: { correct: string; incorrect: string };
  eval: {
    command: string;
    expect_exit: number;
    expect_stdout?: string;
    expect_stdout_regex?: boolean;
    timeout?: number;
  };
}

export type BenchRound = MultiChoiceRound | FileCheckRound;

const optStr = (obj: Record<string, unknown>, key: string, file: string, at: string): string => {
  if (obj[key] === undefined) return '';
  return str(obj, key, file, at);
};

/** Letters of an answer the way the reference normalises it: every ASCII letter, uppercased. */
function answerLetters(v: unknown, file: string, at: string): string[] {
  let parts: string[];
  if (typeof v === 'string') parts = [v];
  else if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'))
    parts = v.map(String);
  else fail(file, at, 'must be an array of option letters or a string such as "A,C"');
  const letters = [...new Set(parts.join(',').toUpperCase().match(/[A-Z]/g) ?? [])];
  if (letters.length === 0) fail(file, at, 'names no option letter');
  return letters;
}

export function parseRound(raw: unknown, file: string, at: string, group: string): BenchRound {
  const r = record(raw, file, at);
  const id = str(r, 'id', file, at);
  const question = str(r, 'question', file, at);
  const fb = r.feedback === undefined ? {} : record(r.feedback, file, `${at}.feedback`);
  const ev = record(r.eval, file, `${at}.eval`);
  if (r.update !== undefined) {
    if (!Array.isArray(r.update)) fail(file, `${at}.update`, 'must be an array');
    // The published sets leave every `update` empty; applying OpenClaw session/workspace edits is not supported.
    if (r.update.length > 0)
      fail(file, `${at}.update`, 'has actions; update actions are not supported by metaclaw bench');
  }
  const type = r.type ?? 'multi_choice';
  if (type === 'multi_choice') {
    const o = ev.options;
    let options: string[];
    if (Array.isArray(o) && o.length > 0) options = o.map(String);
    else if (typeof o === 'object' && o !== null && !Array.isArray(o) && Object.keys(o).length > 0)
      options = Object.keys(o);
    else fail(file, `${at}.eval.options`, 'must be a non-empty object of option letter → text');
    const optFb = fb.options === undefined ? {} : record(fb.options, file, `${at}.feedback.options`);
    return {
      id,
      type: 'multi_choice',
      group,
      question,
      feedback: {
        correct: optStr(fb, 'correct', file, `${at}.feedback`),
        options: Object.fromEntries(Object.entries(optFb).map(([k, v]) => [k, String(v)])),
      },
      eval: { options, answer: answerLetters(ev.answer, file, `${at}.eval.answer`) },
    };
  }
  if (type === 'file_check') {
    const command = str(ev, 'command', file, `${at}.eval`);
    const exit = ev.expect_exit ?? 0;
    if (typeof exit !== 'number' || !Number.isInteger(exit))
      fail(file, `${at}.eval.expect_exit`, 'must be an integer');
    if (ev.expect_stdout !== undefined && ev.expect_stdout !== null && typeof ev.expect_stdout !== 'string')
      fail(file, `${at}.eval.expect_stdout`, 'must be a string');
    if (ev.expect_stdout_regex !== undefined && typeof ev.expect_stdout_regex !== 'boolean')
      fail(file, `${at}.eval.expect_stdout_regex`, 'must be true or false');
    if (ev.timeout !== undefined && (typeof ev.timeout !== 'number' || ev.timeout <= 0))
      fail(file, `${at}.eval.timeout`, 'must be a positive number of seconds');
    return {
      id,
      type: 'file_check',
      group,
      question,
      feedback: {
        correct: optStr(fb, 'correct', file, `${at}.feedback`),
        incorrect: optStr(fb, 'incorrect', file, `${at}.feedback`),
      },
      eval: {
        command,
        expect_exit: exit,
        ...(typeof ev.expect_stdout === 'string' ? { expect_stdout: ev.expect_stdout } : {}),
        ...(ev.expect_stdout_regex === true ? { expect_stdout_regex: true } : {}),
        ...(typeof ev.timeout === 'number' ? { timeout: ev.timeout } : {}),
      },
    };
  }
  fail(file, `${at}.type`, "must be 'multi_choice' or 'file_check'");
}
