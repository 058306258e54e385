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

  it('offers the upstream model list when the typed model is not in it, installs the starter skills, and offers to start', async () => {
    const home = tempHome();
    const p = scripted([
      [/agent/, 'claude-code'],
      [/LLM/, 'custom'],
      [/Base URL/, `${fake.url}/v1`],
      [/Model/, 'fake-modle'],
      [/API key/, 'paste'],
      [/API key/, 'good-key'],
      [/Learning mode/, 'skills'],
      [/Judge model/, ''],
      [/fake-modle is not in the upstream's model list/, 'fake-model'],
      [/Start MetaClaw now/, true],
    ]);
    const mhome = path.join(home, '.metaclaw');
    const file = path.join(mhome, 'config.yaml');
    let started = 0;
    await runSetup(
      { wire: false },
      {
        loaded: { config: validateConfig({}), file, home: mhome, fileExists: false },
        env: {},
        prompter: p,
        say: () => {},
        userHome: home,
        startService: async () => {
          started++;
        },
      },
    );
    expect(p.asked.at(-2)).toMatch(/not in the upstream's model list/);
    expect(YAML.parse(fs.readFileSync(file, 'utf8')).upstream.model_map).toEqual({
      'claude-*': 'fake-model',
    });
    expect(started).toBe(1);
    // The starter skills are in the library and its folder, so the first request gets skills.
    const skills = fs.readdirSync(path.join(mhome, 'skills')).filter((n) => !n.startsWith('.'));
    expect(skills.length).toBeGreaterThanOrEqual(5);
  });
});

describe('setup --non-interactive: the model must exist upstream', () => {
  it('refuses a model the upstream does not list, naming the closest ones, and writes nothing', async () => {
    const home = tempHome();
    const file = path.join(home, 'config.yaml');
    await expect(
      runSetup(
        {
          agent: 'openclaw',
          provider: 'custom',
          baseUrl: `${fake.url}/v1`,
          model: 'fake-modle',
          apiKey: 'good-key',
          wire: false,
        },
        {
          loaded: { config: validateConfig({}), file, home, fileExists: false },
          env: {},
          prompter: null,
          say: () => {},
        },
      ),
    ).rejects.toThrow(/unknown model fake-modle: .* lists 1 models, e\.g\. fake-model[\s\S]*--skip-check/);
    expect(fs.existsSync(file)).toBe(false);
  });
});
