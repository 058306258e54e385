import { describe, expect, it } from 'vitest';
import { bodyUsage } from '../../../src/bench/meter.js';

describe('bench usage meter', () => {
  it('reads tokens from OpenAI and Anthropic answers, plain or streamed', () => {
    expect(bodyUsage(JSON.stringify({ usage: { prompt_tokens: 12, completion_tokens: 3 } }))).toEqual({
      input: 12,
      output: 3,
    });
    expect(bodyUsage(JSON.stringify({ content: [], usage: { input_tokens: 7, output_tokens: 2 } }))).toEqual({
      input: 7,
      output: 2,
    });
    const anthropicStream = [
      'event: message_start',
      `data: ${JSON.stringify({ type: 'message_start', message: { usage: { input_tokens: 20, output_tokens: 1 } } })}`,
      '',
      'event: message_delta',
      `data: ${JSON.stringify({ type: 'message_delta', usage: { output_tokens: 9 } })}`,
      '',
    ].join('\n');
    expect(bodyUsage(anthropicStream)).toEqual({ input: 20, output: 9 });
    const openaiStream = `data: {"choices":[]}\n\ndata: ${JSON.stringify({ usage: { prompt_tokens: 4, completion_tokens: 6 } })}\n\ndata: [DONE]\n`;
    expect(bodyUsage(openaiStream)).toEqual({ input: 4, output: 6 });
  });
});
