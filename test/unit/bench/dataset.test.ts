import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchDataError, loadBenchSet, resolveSetPath, selectDays } from '../../../src/bench/dataset.js';
import { tempHome } from '../../helpers/tmp.js';

const SYNTH = path.resolve('test/fixtures/bench-synth');

function copySynth(): string {
  const dir = path.join(tempHome(), 'bench-synth');
  fs.cpSync(SYNTH, dir, { recursive: true });
  return dir;
}

// biome-ignore lint/suspicious/noExplicitAny: tests edit arbitrary questions.json shapes
type Q = Record<string, any>;

function editQuestions(dir: string, day: string, edit: (q: Q) => unknown): string {
  const file = path.join(dir, `eval/${day}/questions.json`);
  const q = JSON.parse(fs.readFileSync(file, 'utf8'));
  const replaced = edit(q);
  fs.writeFileSync(file, JSON.stringify(replaced ?? q));
  return file;
}

describe('bench dataset (the published MetaClaw-Bench layout)', () => {
  it('loads the manifest `test` list, resolving its repo-relative eval_dir/workspace_src/state paths', () => {
    const set = loadBenchSet(SYNTH);
    expect(set.name).toBe('Bench-Synth');
    expect(set.evalDir).toBe(path.join(SYNTH, 'eval'));
    expect(set.workspaceSrc).toBe(path.join(SYNTH, 'workspaces/shared'));
    expect(set.stateDir).toBe(path.join(SYNTH, 'openclaw_state'));
    expect(set.days.map((d) => d.id)).toEqual(['day01', 'day02', 'day03']);
    const d1 = set.days[0]!;
    expect(d1).toMatchObject({
      agent: 'metaclaw_agent',
      session: 'day01_0a1b2c3d-0000-4000-8000-000000000001',
      arc: 'A',
      preferenceTags: ['log_format'],
      questionsFile: path.join(SYNTH, 'eval/day01/questions.json'),
    });
    expect(d1.rounds.map((r) => r.type)).toEqual(['multi_choice', 'file_check', 'file_check']);
    // eval.options is an object letter → text; its keys are the options counted by the score.
    expect(d1.rounds[0]).toMatchObject({ eval: { options: ['A', 'B', 'C', 'D'], answer: ['A', 'C'] } });
    expect(set.days[2]!.rounds[1]).toMatchObject({
      eval: { expect_stdout: '^(?P<verdict>ok)\\b', expect_stdout_regex: true, timeout: 20 },
    });
    // A manifest variant (all_tests_metaclaw.json) can be passed as --data directly.
    expect(loadBenchSet(path.join(SYNTH, 'all_tests_metaclaw.json')).days).toHaveLength(3);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest's literal placeholder
    expect(resolveSetPath(SYNTH, '${METACLAW_ROOT}/benchmark/data/metaclaw-bench/eval')).toBe(
      path.join(SYNTH, 'eval'),
    );
  });

  it('accepts the variants the reference reads: string answers, option lists, no type/feedback, groups', () => {
    const dir = copySynth();
    editQuestions(dir, 'day01', (q) => {
      q.rounds[0].eval.answer = 'a, c';
      delete q.rounds[0].type;
      delete q.rounds[2].feedback;
    });
    editQuestions(dir, 'day02', (q) => {
      q.rounds[0].eval.options = ['A', 'B', 'C', 'D', 'E'];
      return [q, { id: 'g2', rounds: [q.rounds[2]] }];
    });
    const set = loadBenchSet(dir);
    expect(set.days[0]!.rounds[0]).toMatchObject({ type: 'multi_choice', eval: { answer: ['A', 'C'] } });
    expect(set.days[0]!.rounds[2]).toMatchObject({ feedback: { correct: '', incorrect: '' } });
    expect(set.days[1]!.rounds[0]!.eval).toMatchObject({ options: ['A', 'B', 'C', 'D', 'E'] });
    expect(set.days[1]!.rounds.map((r) => r.group)).toEqual(['day02', 'day02', 'day02', 'g2']);
  });

  it('names the file and the field of a malformed questions.json', () => {
    const dir = copySynth();
    const file = editQuestions(dir, 'day02', (q) => {
      delete q.rounds[1].eval.command;
    });
    expect(() => loadBenchSet(dir)).toThrow(BenchDataError);
    expect(() => loadBenchSet(dir)).toThrow(`${file}: rounds[1].eval.command must be a string`);
    editQuestions(dir, 'day02', (q) => {
      q.rounds[1].eval.command = 'true';
      q.rounds[0].update = [{ type: 'workspace', action: 'new', path: 'x.md', source: 'x.md' }];
    });
    expect(() => loadBenchSet(dir)).toThrow(`${file}: rounds[0].update has actions`);
    editQuestions(dir, 'day02', (q) => {
      q.rounds[0].update = [];
      q.rounds[0].eval.answer = ['?'];
    });
    expect(() => loadBenchSet(dir)).toThrow(`${file}: rounds[0].eval.answer names no option letter`);
  });

  it('names a missing manifest, its missing test list and an unknown round type', () => {
    expect(() => loadBenchSet(path.join(SYNTH, 'eval'))).toThrow(/all_tests\.json: file not found/);
    const dir = copySynth();
    const file = editQuestions(dir, 'day01', (q) => {
      q.rounds[0].type = 'essay';
    });
    expect(() => loadBenchSet(dir)).toThrow(`${file}: rounds[0].type must be 'multi_choice' or 'file_check'`);
    const manifest = path.join(dir, 'all_tests.json');
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    m.tests = m.test;
    delete m.test;
    fs.writeFileSync(manifest, JSON.stringify(m));
    expect(() => loadBenchSet(dir)).toThrow(`${manifest}: test must be a non-empty array`);
  });

  it('selects days by 1-based ranges', () => {
    const set = loadBenchSet(SYNTH);
    expect(selectDays(set, '2-3').map((d) => d.id)).toEqual(['day02', 'day03']);
    expect(selectDays(set, '1,3').map((d) => d.id)).toEqual(['day01', 'day03']);
    expect(() => selectDays(set, 'x')).toThrow(/--days/);
  });
});
