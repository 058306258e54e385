import { describe, expect, it } from 'vitest';
import { AnthropicAgent } from '../../../src/bench/agent-anthropic.js';

describe('Anthropic bench agent', () => {
  it('keeps Messages alternating: consecutive same-role seed texts become one message', () => {
    const a = new AnthropicAgent({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      model: 'm',
      workspace: '/tmp',
      system: 's',
      sessionId: 'x',
    });
    a.seed([
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'three' },
    ]);
    expect(a.messages).toEqual([
      { role: 'user', content: 'one\n\ntwo' },
      { role: 'assistant', content: 'three' },
    ]);
    const state = a.snapshot();
    a.restore(
      JSON.parse(
        JSON.stringify([
          ...a.messages,
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] },
        ]),
      ),
    );
    (a as unknown as { push(r: string, t: string): void }).push('user', 'next question');
    expect(a.messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't', content: 'ok' },
        { type: 'text', text: 'next question' },
      ],
    });
    expect(state).toHaveLength(2);
  });
});
