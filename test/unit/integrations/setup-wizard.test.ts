import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runSetup } from '../../../src/cli/setup.js';
import { validateConfig } from '../../../src/config/load.js';
import type { Choice, Prompter } from '../../../src/integrations/prompter.js';
import { type FakeLlm, startFakeLlm } from '../../fixtures/fake-llm/index.js';
import { tempHome } from '../../helpers/tmp.js';

/** Answers questions in order; each answer names the question it expects, so a changed flow fails loudly. */
function scripted(answers: [RegExp, string | boolean][]): Prompter & { asked: string[]; warnings: string[] } {
  const asked: string[] = [];
  const warnings: string[] = [];
  const next = (message: string) => {
    asked.push(message);
    const a = answers.shift();
    if (!a) throw new Error(`unexpected question: ${message}`);
    if (!a[0].test(message)) throw new Error(`expected ${a[0]}, got question: ${message}`);
    return a[1];
  };
  return {
    asked,
    warnings,
    select: async <T extends string>(m: string, choices: Choice<T>[]) => {
      const v = next(m) as T;
      if (!choices.some((c) => c.value === v)) throw new Error(`${v} is not a choice for ${m}`);
      return v;
    },
    text: async (m) => next(m) as string,
    password: async (m) => next(m) as string,
    confirm: async (m) => next(m) as boolean,
    info: () => {},
    warn: (m) => warnings.push(m),
  };
}

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm({ requireKey: 'good-key' });
});
afterAll(async () => {
  await fake.close();
});

describe('setup wizard (interactive flow, scripted)', () => {
  it('asks every question, explains a rejected key, lets the user fix it, then writes and wires', async () => {
    const home = tempHome();
    const p = scripted([
      [/agent/, 'claude-code'],
      [/LLM/, 'custom'],
      [/Base URL/, `${fake.url}/v1`],
      [/Model/, 'fake-model'],
      [/API key/, 'paste'],
      [/API key/, 'bad-key'],
      [/Learning mode/, 'auto'],
      [/Sleep hours/, '00:30-06:30'],
      [/Calendar/, ''],
      [/Judge model/, 'judge-m'],
      [/What now/, 'edit'],
      [/Base URL/, `${fake.url}/v1`],
      [/Model/, 'fake-model'],
      [/API key/, 'paste'],
      [/API key/, 'good-key'],
    ]);
    const lines: string[] = [];
    const file = path.join(home, '.metaclaw', 'config.yaml');
    await runSetup(
      {},
      {
        loaded: { config: validateConfig({}), file, home: path.join(home, '.metaclaw'), fileExists: false },
        env: {},
        prompter: p,
        say: (l) => lines.push(l),
        userHome: home,
      },
    );
    expect(p.warnings[0]).toMatch(/rejected the key \(HTTP 401[\s\S]*fix: check the API key/);
    expect(lines.join('\n')).toMatch(/✓ upstream/);
    const yaml = YAML.parse(fs.readFileSync(file, 'utf8'));
    expect(yaml.upstream).toMatchObject({ provider: 'openai', api_key: 'good-key' });
    // Claude Code asks for claude-* models: setup maps them instead of overriding every model.
    expect(yaml.upstream.model).toBeUndefined();
    expect(yaml.upstream.model_map).toEqual({ 'claude-*': 'fake-model' });
    expect(yaml.scheduler).toMatchObject({ enabled: true, sleep_start: '00:30', sleep_end: '06:30' });
    expect(yaml.judge.model).toBe('judge-m');
    const settings = JSON.parse(fs.readFileSync(path.join(home, '.claude', 'settings.json'), 'utf8'));
    expect(settings.env.ANTHROPIC_BASE_URL).toBe('http://127.0.0.1:30000');
  });
});
