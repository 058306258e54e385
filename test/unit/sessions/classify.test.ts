import { describe, expect, it } from 'vitest';
import { buildView } from '../../../src/protocol/view.js';
import { classifyTurn } from '../../../src/sessions/classify.js';

const kind = (system: string, user: string) =>
  classifyTurn(
    buildView('anthropic-messages', { system, messages: [{ role: 'user', content: user }] }),
    undefined,
  );

describe('turn kinds', () => {
  it('recognises the housekeeping calls agents make (Claude Code 2.1 prompts among them)', () => {
    const side = [
      [
        'Generate a concise, sentence-case title (3-7 words) that captures the main topic or goal of this coding session.',
        '<session>fix the login bug</session>',
      ],
      [
        'Generate a short kebab-case name (2-4 words) that captures the main topic of this conversation.',
        'x',
      ],
      ['', 'Summarize this portion of a Claude Code session transcript. Focus on: decisions'],
      ['Write a short summary label describing what these tool calls accomplished.', 'ls; cat a'],
      ['Analyze if this message indicates a new conversation topic.', 'hello'],
      ['', 'quota'],
    ];
    for (const [s, u] of side) expect(kind(s!, u!), `${s} / ${u}`).toBe('side');
  });

  it('leaves the user’s real work main, and honours X-Turn-Type', () => {
    expect(kind('You are Claude Code.', 'Write a function that formats a title string')).toBe('main');
    expect(kind('You are Claude Code.', 'Summarize the changes in this PR for the changelog')).toBe('main');
    const v = buildView('openai-chat', {
      messages: [{ role: 'user', content: 'generate a title for this conversation' }],
    });
    expect(classifyTurn(v, 'main')).toBe('main');
  });
});
