import { describe, expect, it } from 'vitest';
import { parseAssistantText } from '../../../src/learning/policy/parse.js';

const ids = () => {
  let n = 0;
  return { newId: () => `call_${++n}` };
};

describe('parsing sampled text into an assistant message', () => {
  it('plain text is content', () => {
    expect(parseAssistantText('  Hello there.\n', 'stop', ids())).toEqual({
      content: 'Hello there.',
      reasoning: null,
      toolCalls: [],
      finishReason: 'stop',
      malformedToolCalls: 0,
    });
  });

  it('<think> blocks become reasoning, also when the template opened <think> in the prompt', () => {
    const a = parseAssistantText('<think>\nLet me think.\n</think>\n\nThe answer is 4.', 'stop');
    expect(a.reasoning).toBe('Let me think.');
    expect(a.content).toBe('The answer is 4.');
    const b = parseAssistantText('Reasoning only here.\n</think>\n\nDone.', 'stop');
    expect(b).toMatchObject({ reasoning: 'Reasoning only here.', content: 'Done.' });
    const empty = parseAssistantText('<think>\n\n</think>\n\nHi', 'stop');
    expect(empty).toMatchObject({ reasoning: null, content: 'Hi' });
  });

  it('an unclosed <think> (out of tokens) is all reasoning, finish_reason length', () => {
    const a = parseAssistantText('<think>\nStill thinking about', 'length');
    expect(a).toMatchObject({ reasoning: 'Still thinking about', content: '', finishReason: 'length' });
  });

  it('Qwen3 <tool_call> blocks become tool calls with generated ids; finish_reason tool_calls', () => {
    const text =
      '<think>\nNeed the weather.\n</think>\n\nChecking.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n' +
      '<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>';
    const a = parseAssistantText(text, 'stop', ids());
    expect(a.reasoning).toBe('Need the weather.');
    expect(a.content).toBe('Checking.');
    expect(a.toolCalls).toEqual([
      { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'call_2', name: 'get_time', arguments: '{}' },
    ]);
    expect(a.finishReason).toBe('tool_calls');
  });

  it('content is null for a reply that is only tool calls; string arguments are accepted', () => {
    const a = parseAssistantText(
      '<tool_call>{"name": "f", "arguments": "{\\"x\\": 1}"}</tool_call>',
      'stop',
      ids(),
    );
    expect(a).toMatchObject({ content: null, toolCalls: [{ name: 'f', arguments: '{"x": 1}' }] });
  });

  it('malformed tool-call JSON stays in the text, counted, and is not a tool call', () => {
    const bad = '<tool_call>\n{"name": "f", "arguments": {"x": 1}\n</tool_call>';
    const a = parseAssistantText(`Trying.\n${bad}`, 'stop', ids());
    expect(a.toolCalls).toEqual([]);
    expect(a.content).toBe(`Trying.\n${bad}`);
    expect(a.malformedToolCalls).toBe(1);
    expect(a.finishReason).toBe('stop');
    // No name, or arguments that are not an object: also not a call.
    expect(parseAssistantText('<tool_call>{"arguments": {}}</tool_call>', 'stop').malformedToolCalls).toBe(1);
    expect(
      parseAssistantText('<tool_call>{"name": "f", "arguments": 3}</tool_call>', 'stop').toolCalls,
    ).toEqual([]);
  });

  it('a tool call cut off by max tokens stays text; length wins over tool_calls', () => {
    const a = parseAssistantText('<tool_call>\n{"name": "f", "argu', 'length', ids());
    expect(a).toMatchObject({
      toolCalls: [],
      finishReason: 'length',
      content: '<tool_call>\n{"name": "f", "argu',
    });
    const b = parseAssistantText(
      '<tool_call>{"name": "f", "arguments": {}}</tool_call> and',
      'length',
      ids(),
    );
    expect(b).toMatchObject({ finishReason: 'length', content: 'and' });
    expect(b.toolCalls).toHaveLength(1);
  });
});

describe('decoding an empty reply', () => {
  it('a reply that is only the stop token decodes to an empty string', async () => {
    const { loadFixtureTokenizer } = await import('../../fixtures/policy/index.js');
    const tok = await loadFixtureTokenizer();
    expect(tok.decode([])).toBe('');
  });
});
