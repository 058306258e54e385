import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchDataError, loadBenchSet, selectDays } from '../../../src/bench/dataset.js';
import { tempHome } from '../../helpers/tmp.js';

const SYNTH = path.resolve('test/fixtures/bench-synth');

function copySynth(): string {
  const dir = path.join(tempHome(), 'bench-synth');
  fs.cpSync(SYNTH, dir, { recursive: true });
  return dir;
}

describe('bench dataset', () => {
  it('loads the synthetic set, resolving repo-relative manifest paths against the set folder', () => {
    const set = loadBenchSet(SYNTH);
    expect(set.days.map((d) => d.id)).toEqual(['day01', 'day02', 'day03']);
    expect(set.days[0]!.questionsFile).toBe(path.join(SYNTH, 'eval/day01/questions.json'));
    expect(set.days[0]!.rounds.map((r) => r.type)).toEqual(['multi_choice', 'file_check', 'file_check']);
    expect(set.days[2]!.arc).toBe('B');
  });

  it('names the file and the field of a malformed questions.json', () => {
    const dir = copySynth();
    const file = path.join(dir, 'eval/day02/questions.json');
    const q = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete q.rounds[1].eval.command;
    fs.writeFileSync(file, JSON.stringify(q));
    expect(() => loadBenchSet(dir)).toThrow(BenchDataError);
    expect(() => loadBenchSet(dir)).toThrow(`${file}: rounds[1].eval.command must be a string`);
  });

  it('names a missing manifest and an unknown round type', () => {
    expect(() => loadBenchSet(path.join(SYNTH, 'eval'))).toThrow(/all_tests\.json: file not found/);
    const dir = copySynth();
    const file = path.join(dir, 'eval/day01/questions.json');
    const q = JSON.parse(fs.readFileSync(file, 'utf8'));
    q.rounds[0].type = 'essay';
    fs.writeFileSync(file, JSON.stringify(q));
    expect(() => loadBenchSet(dir)).toThrow(`${file}: rounds[0].type must be 'multi_choice' or 'file_check'`);
  });

  it('selects days by 1-based ranges', () => {
    const set = loadBenchSet(SYNTH);
    expect(selectDays(set, '2-3').map((d) => d.id)).toEqual(['day02', 'day03']);
    expect(selectDays(set, '1,3').map((d) => d.id)).toEqual(['day01', 'day03']);
    expect(() => selectDays(set, 'x')).toThrow(/--days/);
  });
});
