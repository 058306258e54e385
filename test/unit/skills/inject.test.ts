import { describe, expect, it } from 'vitest';
import type { JsonObject, WireProtocol } from '../../../src/protocol/types.js';
import { buildView } from '../../../src/protocol/view.js';
import { chainedPrefixHashes } from '../../../src/sessions/prefix-hash.js';
import { BlockComposer } from '../../../src/skills/budget.js';
import { type Placement, SkillInjector } from '../../../src/skills/inject.js';
import type { TurnKind } from '../../../src/store/turns.js';
import { doc, freshLibrary } from './helpers.js';

/** What the proxy does per request: one view, its hashes, then the injector. */
function run(
  inj: SkillInjector,
  protocol: WireProtocol,
  body: JsonObject,
  kind: TurnKind = 'main',
  sessionId = 's1',
) {
  const view = buildView(protocol, body);
  return inj.inject(body, { view, kind, sessionId, prefixHashes: chainedPrefixHashes(view.stable) });
}

function setup(opts: { budget?: number; placement?: Placement } = {}) {
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
    placement: opts.placement ?? 'system',
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
    const r = run(inj, 'openai-chat', body, 'main');
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
    const c = (run(inj, 'openai-chat', parts, 'main').body.messages as { content: { text: string }[] }[])[0]!
      .content;
    expect(c[0]).toBe(parts.messages[0]!.content[0]);
    expect(c[1]!.text).toContain('## Skills');
    const none = deepFreeze({ messages: [user] });
    const m = run(inj, 'openai-chat', none, 'main').body.messages as { role: string; content: string }[];
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
    const out = run(inj, 'anthropic-messages', body, 'main').body.system as unknown[];
    expect(JSON.stringify(out.slice(0, 2))).toBe(before);
    expect(out).toHaveLength(3);
    expect(out[2]).toMatchObject({ type: 'text', text: expect.stringContaining('git-hygiene') });
    expect((out[2] as Record<string, unknown>).cache_control).toBeUndefined();
  });

  it('Anthropic: a string system becomes [original, ours]; no system gets just ours', () => {
    const { inj } = setup();
    const r = run(inj, 'anthropic-messages', deepFreeze({ system: 'Be brief.', messages: [user] }), 'main');
    expect(r.body.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: expect.stringContaining('## Skills') },
    ]);
    const r2 = run(inj, 'anthropic-messages', deepFreeze({ messages: [user] }), 'main');
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
    expect(run(inj, 'anthropic-messages', body, 'main').injectedRevisionIds).toHaveLength(1);
  });

  it('OpenAI Responses: appends to instructions', () => {
    const { inj } = setup();
    const r = run(
      inj,
      'openai-responses',
      deepFreeze({ instructions: 'Be kind.', input: 'commit to git please' }),
      'main',
    );
    expect(r.body.instructions).toMatch(/^Be kind\.\n\n## Skills/);
    const r2 = run(
      inj,
      'openai-responses',
      deepFreeze({ input: [{ role: 'user', content: [{ type: 'input_text', text: 'git commit' }] }] }),
      'main',
    );
    expect(r2.body.instructions).toMatch(/^## Skills/);
  });

  it('side turns and irrelevant requests get no injection and keep the very same body object', () => {
    const { inj } = setup();
    const body = { messages: [user] };
    const side = run(inj, 'openai-chat', body, 'side');
    expect(side.body).toBe(body);
    expect(side.injectedRevisionIds).toEqual([]);
    expect(side.libraryGeneration).toBe(1);
    const irrelevant = { messages: [{ role: 'user', content: 'what is the capital of France?' }] };
    expect(run(inj, 'openai-chat', irrelevant, 'main').body).toBe(irrelevant);
  });

  it('respects a tiny budget by injecting nothing rather than going over', () => {
    const { inj } = setup({ budget: 10 });
    const body = { messages: [user] };
    expect(run(inj, 'openai-chat', body, 'main').body).toBe(body);
  });
});

describe('user placement and per-task pins', () => {
  const ask = (text: string) => ({ role: 'user', content: text });
  const toolLoop = [
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'sh', arguments: '{"cmd":"git status"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'c1', content: 'clean' },
  ];

  it('attaches the block to the message holding the request, not to a trailing scaffolding message', () => {
    const { inj } = setup({ placement: 'user' });
    const body = deepFreeze({
      messages: [
        { role: 'system', content: 'You are OpenClaw.' },
        ask('please commit my changes to git'),
        {
          role: 'user',
          content:
            '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nActive exec sessions: none\n## Active Subagents\nbake bread\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>',
        },
      ],
    });
    const out = run(inj, 'openai-chat', body).body.messages as { content: string }[];
    expect(out[0]).toBe(body.messages[0]);
    expect(out[1]!.content).toMatch(/^please commit my changes to git\n\n## Skills/);
    expect(out[1]!.content).toContain('git-hygiene');
    expect(out[1]!.content).not.toContain('bake-bread');
    expect(out[2]).toBe(body.messages[2]);
  });

  it('Anthropic parts content gets one more text block; cache_control on the others untouched', () => {
    const { inj } = setup({ placement: 'user' });
    const part = { type: 'text', text: 'commit my git changes', cache_control: { type: 'ephemeral' } };
    const body = deepFreeze({ system: 'sys', messages: [{ role: 'user', content: [part] }] });
    const r = run(inj, 'anthropic-messages', body);
    expect(r.body.system).toBe('sys');
    const content = (r.body.messages as { content: unknown[] }[])[0]!.content;
    expect(content[0]).toBe(part);
    expect(content[1]).toEqual({ type: 'text', text: expect.stringContaining('git-hygiene') });
  });

  it('Anthropic: a string request and the same request as a text block carry the block alike', () => {
    const { inj } = setup({ placement: 'user' });
    const asString = run(inj, 'anthropic-messages', {
      messages: [{ role: 'user', content: 'commit my git changes' }],
    });
    const asBlock = run(inj, 'anthropic-messages', {
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'commit my git changes', cache_control: { type: 'ephemeral' } }],
        },
      ],
    });
    const text = (b: JsonObject) =>
      (b.messages as { content: { text: string }[] }[])[0]!.content.map((p) => p.text);
    expect(text(asString.body)).toEqual(text(asBlock.body));
    expect(text(asString.body)).toHaveLength(2);
  });

  it('a tool loop sends the byte-identical block even after the library changed mid-task', () => {
    const { inj, lib } = setup({ placement: 'user' });
    const first = { messages: [{ role: 'system', content: 's' }, ask('please commit my changes to git')] };
    const a = run(inj, 'openai-chat', first);
    lib.apply(
      [{ op: 'put', doc: doc('git-commit-messages', 'Write git commit messages for changes', 'Say why.') }],
      'manual',
    );
    const second = { messages: [...first.messages, ...toolLoop] };
    const b = run(inj, 'openai-chat', second);
    expect(JSON.stringify((b.body.messages as unknown[]).slice(0, 2))).toBe(JSON.stringify(a.body.messages));
    expect(b.libraryGeneration).toBe(a.libraryGeneration);
    expect(b.injectedRevisionIds).toEqual(a.injectedRevisionIds);
    // The next task of the session sees the new generation; the earlier task keeps its block.
    const third = {
      messages: [
        ...second.messages,
        { role: 'assistant', content: 'Committed.' },
        ask('now amend that git commit message'),
      ],
    };
    const c = run(inj, 'openai-chat', third);
    expect(c.libraryGeneration).toBe(a.libraryGeneration + 1);
    const sent = c.body.messages as { content: string }[];
    expect(JSON.stringify(sent.slice(0, 2))).toBe(JSON.stringify(a.body.messages));
    expect(sent.at(-1)!.content).toContain('git-commit-messages');
  });

  it('another session asking the same thing gets the current generation, not the pin', () => {
    const { inj, lib } = setup({ placement: 'user' });
    const body = { messages: [ask('please commit my changes to git')] };
    const a = run(inj, 'openai-chat', body, 'main', 'one');
    lib.apply(
      [{ op: 'put', doc: doc('git-commit-messages', 'Write git commit messages for changes', 'Say why.') }],
      'manual',
    );
    const b = run(inj, 'openai-chat', body, 'main', 'two');
    expect(b.libraryGeneration).toBe(a.libraryGeneration + 1);
    expect(run(inj, 'openai-chat', body, 'main', 'one').libraryGeneration).toBe(a.libraryGeneration);
  });

  it('a task that got no skills stays without them', () => {
    const { inj, lib } = setup({ placement: 'user' });
    const body = { messages: [ask('how do I make pasta carbonara')] };
    expect(run(inj, 'openai-chat', body).injectedRevisionIds).toEqual([]);
    lib.apply([{ op: 'put', doc: doc('carbonara', 'How to make pasta carbonara', 'No cream.') }], 'manual');
    const again = { messages: [...body.messages, ...toolLoop] };
    expect(run(inj, 'openai-chat', again).body).toBe(again);
  });

  it('Responses: a parts message gets an input_text part; a string input gets the block appended', () => {
    const { inj } = setup({ placement: 'user' });
    const r = run(
      inj,
      'openai-responses',
      deepFreeze({
        instructions: 'i',
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'git commit' }] }],
      }),
    );
    expect(r.body.instructions).toBe('i');
    expect((r.body.input as { content: unknown[] }[])[0]!.content[1]).toEqual({
      type: 'input_text',
      text: expect.stringContaining('## Skills'),
    });
    const s = run(inj, 'openai-responses', deepFreeze({ input: 'commit to git please' }), 'main', 's2');
    expect(s.body.input).toMatch(/^commit to git please\n\n## Skills/);
  });
});
