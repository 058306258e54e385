import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadO200k, type O200k } from '../../../src/skills/o200k.js';
import { starterDir } from '../../../src/skills/starter.js';

// The compact counter must give js-tiktoken's o200k_base counts exactly: the block composer's
// budget (and so which skills are injected in full) depends on them.
describe('o200k token counter', () => {
  let ours: O200k;
  let reference: Tiktoken;
  beforeAll(() => {
    ours = loadO200k();
    const ranks = createRequire(import.meta.url)('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
    reference = new Tiktoken(ranks);
  }, 60_000); // js-tiktoken's own encoder takes seconds to build on a busy machine
  const expected = (text: string) => reference.encode(text, [], []).length;

  it('counts every starter skill as js-tiktoken does', () => {
    const dir = starterDir();
    const files = fs.readdirSync(dir).map((name) => path.join(dir, name, 'SKILL.md'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      expect(ours.count(text), file).toBe(expected(text));
    }
  });

  it('counts odd text as js-tiktoken does: scripts, emoji, lone surrogates, long runs, special-token text', () => {
    const samples = [
      '',
      ' ',
      'hello world',
      "it's we'll THEY'RE don't",
      '   \n\n\t  x  \r\n',
      'ünïcödé 日本語のテキスト 中文 한국어 العربية עברית',
      '😀👍🏽 family: 👨‍👩‍👧‍👦',
      'lone \uD800 surrogate \uDC00 here',
      'a'.repeat(500),
      `${'ab1 '.repeat(200)}`,
      'x'.repeat(3000),
      '1234567890123 3.14159 0xdeadbeef',
      '<|endoftext|> between <|endofprompt|> words',
      'function f(a, b) {\n  return a ?? b; // ok\n}\n',
    ];
    // A fixed pseudo-random mix of ASCII, other planes and newlines.
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let k = 0; k < 300; k++) {
      let s = '';
      const len = Math.floor(rnd() * 120);
      for (let i = 0; i < len; i++) {
        const x = rnd();
        s +=
          x < 0.6
            ? String.fromCharCode(32 + Math.floor(rnd() * 95))
            : x < 0.8
              ? String.fromCharCode(Math.floor(rnd() * 0x3000))
              : x < 0.9
                ? '\n'
                : String.fromCodePoint(0x1f300 + Math.floor(rnd() * 500));
      }
      samples.push(s);
    }
    for (const s of samples) expect(ours.count(s), JSON.stringify(s.slice(0, 60))).toBe(expected(s));
  });
});
