import { describe, expect, it } from 'vitest';
import { BlockComposer } from '../../../src/skills/budget.js';
import { SkillInjector } from '../../../src/skills/inject.js';
import { doc, freshLibrary } from './helpers.js';

function setup(opts: { budget?: number } = {}) {
  const { lib } = freshLibrary();
  lib.apply(
    [
      {
        op: 'put',
        doc: doc(
          'git-hygiene',
          'Commit small focused changes with messages that say why',
          'Check git status first.',
        ),
      },
      { op: 'put', doc: doc('bake-bread', 'Bake sourdough bread at home', 'Feed the starter.') },
    ],
    'manual',
  );
  const inj = new SkillInjector(lib, new BlockComposer({ count: (t) => Math.ceil(t.length / 4) }), null, {
    mode: 'lexical',
    topK: 3,
    maxFull: 3,
    budgetTokens: opts.budget ?? 2000,
    minScore: 0,
    minRelative: 0,
    minSimilarity: 0,
    contextMessages: 2,
  });
  return { lib, inj };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const user = { role: 'user', content: 'please commit my changes to git' };

describe('prompt injection', () => {
  it('OpenAI: appends to the first system message string, records generation and revision ids', () => {
    const { inj, lib } = setup();
    const body = deepFreeze({
      model: 'm',
      messages: [{ role: 'system', content: 'You are helpful.' }, user],
    });
    const r = inj.inject('openai-chat', body, 'main');
    const msgs = r.body.messages as { role: string; content: string }[];
    expect(msgs[0]!.content.startsWith('You are helpful.\n\n## Skills')).toBe(true);
    expect(msgs[0]!.content).toContain('Check git status first.');
    expect(msgs[0]!.content).not.toContain('sourdough');
    expect(msgs[1]).toBe(body.messages[1]);
    expect(r.libraryGeneration).toBe(1);
    expect(r.injectedRevisionIds).toEqual([lib.current().byName.get('git-hygiene')!.id]);
  });

  it('OpenAI: adds a text part to a parts system/developer message, or a new system message first', () => {
    const { inj } = setup();
    const parts = deepFreeze({
      messages: [{ role: 'developer', content: [{ type: 'text', text: 'Rules.' }] }, user],
    });
    const c = (
      inj.inject('openai-chat', parts, 'main').body.messages as { content: { text: string }[] }[]
    )[0]!.content;
    expect(c[0]).toBe(parts.messages[0]!.content[0]);
    expect(c[1]!.text).toContain('## Skills');
    const none = deepFreeze({ messages: [user] });
    const m = inj.inject('openai-chat', none, 'main').body.messages as { role: string; content: string }[];
    expect(m[0]!.role).toBe('system');
    expect(m[0]!.content).toContain('git-hygiene');
    expect(m[1]).toBe(user);
  });

  it('Anthropic: existing system blocks incl. cache_control stay byte-identical; ours comes after', () => {
    const { inj } = setup();
    const system = [
      { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Project rules.', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ];
    const before = JSON.stringify(system);
    const body = deepFreeze({
      model: 'c',
      system,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'commit my git changes' }] }],
    });
    const out = inj.inject('anthropic-messages', body, 'main').body.system as unknown[];
    expect(JSON.stringify(out.slice(0, 2))).toBe(before);
    expect(out).toHaveLength(3);
    expect(out[2]).toMatchObject({ type: 'text', text: expect.stringContaining('git-hygiene') });
    expect((out[2] as Record<string, unknown>).cache_control).toBeUndefined();
  });

  it('Anthropic: a string system becomes [original, ours]; no system gets just ours', () => {
    const { inj } = setup();
    const r = inj.inject('anthropic-messages', deepFreeze({ system: 'Be brief.', messages: [user] }), 'main');
    expect(r.body.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: expect.stringContaining('## Skills') },
    ]);
    const r2 = inj.inject('anthropic-messages', deepFreeze({ messages: [user] }), 'main');
    expect((r2.body.system as unknown[]).length).toBe(1);
  });

  it('Anthropic: a tool-result-only user turn is not the query; the last real request is', () => {
    const { inj } = setup();
    const body = deepFreeze({
      messages: [
        user,
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: { cmd: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'README.md' }] },
      ],
    });
    expect(inj.inject('anthropic-messages', body, 'main').injectedRevisionIds).toHaveLength(1);
  });

  it('OpenAI Responses: appends to instructions', () => {
    const { inj } = setup();
    const r = inj.inject(
      'openai-responses',
      deepFreeze({ instructions: 'Be kind.', input: 'commit to git please' }),
      'main',
    );
    expect(r.body.instructions).toMatch(/^Be kind\.\n\n## Skills/);
    const r2 = inj.inject(
      'openai-responses',
      deepFreeze({ input: [{ role: 'user', content: [{ type: 'input_text', text: 'git commit' }] }] }),
      'main',
    );
    expect(r2.body.instructions).toMatch(/^## Skills/);
  });

  it('side turns and irrelevant requests get no injection and keep the very same body object', () => {
    const { inj } = setup();
    const body = { messages: [user] };
    const side = inj.inject('openai-chat', body, 'side');
    expect(side.body).toBe(body);
    expect(side.injectedRevisionIds).toEqual([]);
    expect(side.libraryGeneration).toBe(1);
    const irrelevant = { messages: [{ role: 'user', content: 'what is the capital of France?' }] };
    expect(inj.inject('openai-chat', irrelevant, 'main').body).toBe(irrelevant);
  });

  it('respects a tiny budget by injecting nothing rather than going over', () => {
    const { inj } = setup({ budget: 10 });
    const body = { messages: [user] };
    expect(inj.inject('openai-chat', body, 'main').body).toBe(body);
  });
});
