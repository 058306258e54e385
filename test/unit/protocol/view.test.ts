import { describe, expect, it } from 'vitest';
import { buildView } from '../../../src/protocol/view.js';
import { classifyTurn } from '../../../src/sessions/classify.js';
import { chainedPrefixHashes } from '../../../src/sessions/prefix-hash.js';

const OPENCLAW_CONTEXT =
  '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nOpenClaw runtime context for the active user request in this turn.\n## Active exec sessions\nnone\n## Active Subagents\nnone\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>';

describe('conversation view', () => {
  it('generic client: the last user message is the request; consecutive user messages are one turn', () => {
    const v = buildView('openai-chat', {
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'first part' },
        { role: 'user', content: 'second part' },
      ],
    });
    expect(v.agent).toBe('generic');
    expect(v.system).toBe('sys');
    expect(v.request).toBe('first part\nsecond part');
    expect(v.humanTurns).toHaveLength(1);
    expect(v.items[v.requestItem]!.at).toBe(2);
    expect(v.stable).toHaveLength(3);
  });

  it('OpenClaw: the trailing internal-context message is scaffolding, ephemeral, and not the request', () => {
    const body = {
      messages: [
        { role: 'system', content: 'You are a personal assistant running inside OpenClaw.' },
        { role: 'user', content: '[Fri 2026-12-04 18:22 UTC] How many lines does notes.txt have?' },
        { role: 'user', content: OPENCLAW_CONTEXT },
      ],
    };
    const v = buildView('openai-chat', body);
    expect(v.agent).toBe('openclaw');
    expect(v.request).toBe('How many lines does notes.txt have?');
    expect(v.items[v.requestItem]!.at).toBe(1);
    expect(v.items.at(-1)!.ephemeral).toBe(true);
    // The next call of the tool loop repeats the stable part, not the old context message.
    const next = buildView('openai-chat', {
      messages: [
        body.messages[0],
        body.messages[1],
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'read', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c', content: '3 lines' },
        { role: 'user', content: OPENCLAW_CONTEXT.replace('none', 'one') },
      ],
    });
    const before = chainedPrefixHashes(v.stable);
    const after = chainedPrefixHashes(next.stable);
    expect(after).toContain(before.at(-1));
    expect(next.request).toBe(v.request);
    expect(next.toolLoop).toBe(true);
  });

  it('OpenClaw channel metadata and the Runtime line are not the user’s words', () => {
    const text =
      'Conversation info (untrusted metadata):\n```json\n{"channel":"telegram"}\n```\n\nBook a table for two\n\nRuntime: agent=main | session=agent:main:main | sessionId=5d0c | model=metaclaw/gpt-4.1-mini';
    const v = buildView('anthropic-messages', {
      system: 'OpenClaw',
      messages: [{ role: 'user', content: [{ type: 'text', text }] }],
    });
    expect(v.request).toBe('Book a table for two');
  });

  it('Claude Code: system reminders and command wrappers are removed; the session header is the id', () => {
    const v = buildView(
      'anthropic-messages',
      {
        system: [{ type: 'text', text: 'You are Claude Code, Anthropic’s official CLI for Claude.' }],
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'text',
                text: '<system-reminder>\nCLAUDE.md says: deploy with make\n</system-reminder>',
              },
              {
                type: 'text',
                text: 'Fix the failing test in parser.ts',
                cache_control: { type: 'ephemeral' },
              },
            ],
          },
        ],
      },
      { 'x-claude-code-session-id': '0b5f2c2e-7f6e-4f55-9a51-3c1c2b9d8a10' },
    );
    expect(v.agent).toBe('claude-code');
    expect(v.request).toBe('Fix the failing test in parser.ts');
    expect(v.agentSessionId).toBe('0b5f2c2e-7f6e-4f55-9a51-3c1c2b9d8a10');
  });

  it('Claude Code: a moved cache_control breakpoint does not change the history’s hashes', () => {
    const msg = (cc: boolean) => ({
      role: 'user',
      content: [{ type: 'text', text: 'hello', ...(cc ? { cache_control: { type: 'ephemeral' } } : {}) }],
    });
    const a = chainedPrefixHashes(buildView('anthropic-messages', { messages: [msg(true)] }).stable);
    const b = chainedPrefixHashes(
      buildView('anthropic-messages', {
        messages: [msg(false), { role: 'assistant', content: 'hi' }, msg(true)],
      }).stable,
    );
    expect(b[0]).toBe(a[0]);
  });

  it('Codex: environment context and AGENTS.md items are scaffolding; the session_id header is the id', () => {
    const v = buildView(
      'openai-responses',
      {
        instructions: 'You are Codex, based on GPT-5.',
        input: [
          {
            type: 'message',
            role: 'user',
            content: [
              {
                type: 'input_text',
                text: '# AGENTS.md instructions for /work\n\n<INSTRUCTIONS>\nuse pnpm\n</INSTRUCTIONS>',
              },
            ],
          },
          {
            type: 'message',
            role: 'user',
            content: [
              {
                type: 'input_text',
                text: '<environment_context>\n  <cwd>/work</cwd>\n</environment_context>',
              },
            ],
          },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Rename foo to bar' }] },
        ],
      },
      { session_id: '019a-codex-session', originator: 'codex_exec' },
    );
    expect(v.agent).toBe('codex');
    expect(v.request).toBe('Rename foo to bar');
    expect(v.agentSessionId).toBe('019a-codex-session');
  });

  it('classification reads the human’s words, not the agent’s scaffolding', () => {
    const v = buildView('openai-chat', {
      messages: [
        { role: 'user', content: 'What is 2+2?' },
        {
          role: 'user',
          content: `${OPENCLAW_CONTEXT.replace('none', 'write a title for this conversation')}`,
        },
      ],
    });
    expect(classifyTurn(v, undefined)).toBe('main');
  });
});
