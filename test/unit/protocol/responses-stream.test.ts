import { describe, expect, it } from 'vitest';
import { ResponsesStreamAssembler } from '../../../src/protocol/responses/assemble.js';
import { chatToResponsesResponse } from '../../../src/protocol/responses/response-from-chat.js';
import { ChatToResponsesStream } from '../../../src/protocol/responses/stream-from-chat.js';
import type { JsonObject, SseEvent } from '../../../src/protocol/types.js';
import { renderResponses } from '../../fixtures/fake-llm/render-responses.js';
import type { Completion, RecordedRequest } from '../../fixtures/fake-llm/types.js';

function decode(events: SseEvent[]): JsonObject[] {
  return events.map((e) => {
    const data = JSON.parse(e.data) as JsonObject;
    expect(e.event).toBe(data['type']);
    return data;
  });
}

function chunk(delta: JsonObject, finish: string | null = null, extra: JsonObject = {}): JsonObject {
  return {
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 9,
    model: 'up',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  };
}

const usageChunk = {
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 9,
  model: 'up',
  choices: [],
  usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 },
};

const REQ = { model: 'codex', input: 'hi', stream: true };

describe('ChatToResponsesStream', () => {
  it('emits the real event sequence, numbered, each as soon as its chunk arrives', () => {
    const t = new ChatToResponsesStream(REQ);
    const perChunk = [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
      chunk({}, 'stop'),
      usageChunk,
    ].map((c) => decode(t.push(c)).map((e) => e['type']));
    expect(perChunk).toEqual([
      ['response.created', 'response.in_progress'],
      ['response.output_item.added', 'response.content_part.added', 'response.output_text.delta'],
      ['response.output_text.delta'],
      ['response.output_text.done', 'response.content_part.done', 'response.output_item.done'],
      ['response.completed'],
    ]);
    expect(t.finish()).toEqual([]);
  });

  it('carries sequence numbers, item ids and the final response in each event', () => {
    const t = new ChatToResponsesStream(REQ);
    const events = decode([
      ...t.push(chunk({ content: 'Hi' })),
      ...t.push(chunk({}, 'stop')),
      ...t.push(usageChunk),
    ]);
    expect(events.map((e) => e['sequence_number'])).toEqual(events.map((_, i) => i));
    expect(events[0]!['response']).toMatchObject({
      id: 'resp_c1',
      object: 'response',
      created_at: 9,
      status: 'in_progress',
      model: 'codex',
      output: [],
    });
    expect(events[4]).toMatchObject({
      type: 'response.output_text.delta',
      item_id: 'msg_c1',
      output_index: 0,
      content_index: 0,
      delta: 'Hi',
    });
    expect(events.at(-1)!['response']).toMatchObject({
      status: 'completed',
      output: [{ id: 'msg_c1', type: 'message', status: 'completed', content: [{ text: 'Hi' }] }],
      usage: { input_tokens: 7, output_tokens: 2, total_tokens: 9 },
    });
  });

  it('streams reasoning as reasoning_text, then text, then interleaved function calls', () => {
    const t = new ChatToResponsesStream(REQ);
    const events = decode(
      [
        chunk({ reasoning_content: 'Think.' }),
        chunk({ content: 'Two calls.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_A', function: { name: 'a', arguments: '{"x":' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_B', function: { name: 'b', arguments: '{"y":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '2}' } }] }),
        chunk({}, 'tool_calls'),
      ].flatMap((c) => t.push(c)),
    );
    const deltas = events.filter((e) => e['type'] === 'response.function_call_arguments.delta');
    expect(deltas.map((d) => [d['output_index'], d['delta']])).toEqual([
      [2, '{"x":'],
      [3, '{"y":'],
      [2, '1}'],
      [3, '2}'],
    ]);
    expect(events.find((e) => e['type'] === 'response.reasoning_text.delta')).toMatchObject({
      item_id: 'rs_c1',
      output_index: 0,
      delta: 'Think.',
    });
    // No usage chunk: the stream completes when the upstream ends.
    const done = decode(t.finish());
    expect(done.map((e) => e['type'])).toEqual(['response.completed']);
    const output = (done[0]!['response'] as JsonObject)['output'] as JsonObject[];
    expect(output.map((o) => [o['type'], o['id']])).toEqual([
      ['reasoning', 'rs_c1'],
      ['message', 'msg_c1'],
      ['function_call', 'fc_c1_0'],
      ['function_call', 'fc_c1_1'],
    ]);
    expect(output[2]).toMatchObject({ call_id: 'call_A', name: 'a', arguments: '{"x":1}' });
    expect(output[3]).toMatchObject({ call_id: 'call_B', name: 'b', arguments: '{"y":2}' });
  });

  it('ends a length-cut answer with response.incomplete', () => {
    const t = new ChatToResponsesStream(REQ);
    const events = decode([...t.push(chunk({ content: 'Trunc' }, 'length')), ...t.push(usageChunk)]);
    expect(events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
  });

  it('turns an in-band upstream error into error + response.failed, and then stays quiet', () => {
    const t = new ChatToResponsesStream(REQ);
    t.push(chunk({ content: 'partial' }));
    const events = decode(t.push({ error: { message: 'overloaded', type: 'server_error' } }));
    expect(events.map((e) => e['type'])).toEqual(['error', 'response.failed']);
    expect(events[0]).toMatchObject({ code: 'server_error', message: 'overloaded', param: null });
    expect(events[1]!['response']).toMatchObject({ status: 'failed', error: { message: 'overloaded' } });
    expect(t.push(chunk({ content: 'more' }))).toEqual([]);
    expect(t.finish()).toEqual([]);
  });

  it('gives an answer with no content an empty message, like the non-stream conversion', () => {
    const t = new ChatToResponsesStream(REQ);
    const events = decode([...t.push(chunk({ role: 'assistant' }, 'stop')), ...t.push(usageChunk)]);
    const streamed = events.at(-1)!['response'];
    const whole = chatToResponsesResponse(
      {
        id: 'c1',
        created: 9,
        choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'stop' }],
        usage: usageChunk.usage,
      },
      REQ,
    );
    expect(streamed).toEqual(whole);
  });
});

describe('ResponsesStreamAssembler', () => {
  const completion: Completion = {
    model: 'gpt-native',
    text: 'Native text.',
    reasoning: { text: 'a summary', signature: 'sig' },
    toolCalls: [{ id: 'call_n', name: 'f', argumentsJson: '{"k":1}' }],
    stopReason: 'tool_calls',
    usage: { input: 5, output: 6 },
    chunkSize: 3,
    toolCallOrder: 'sequential',
  };
  const request = (stream: boolean) =>
    ({ body: { model: 'gpt-native', stream } }) as unknown as RecordedRequest;

  function feed(a: ResponsesStreamAssembler, frames: string[], upTo = frames.length): boolean {
    let terminal = false;
    for (const f of frames.slice(0, upTo)) {
      const data = JSON.parse(/data: (.*)/.exec(f)![1]!) as JsonObject;
      terminal = a.push(String(data['type']), data) || terminal;
    }
    return terminal;
  }

  it('records a native stream as the response its terminal event carries', () => {
    const frames = renderResponses(completion, request(true)).chunks;
    const a = new ResponsesStreamAssembler();
    expect(feed(a, frames)).toBe(true);
    expect(a.done).toBe(true);
    expect(a.failure).toBeNull();
    const last = JSON.parse(/data: (.*)/.exec(frames.at(-1)!)![1]!) as JsonObject;
    expect(a.result()).toEqual(last['response']);
  });

  it('rebuilds the output from deltas when a stream is cut before its end', () => {
    const frames = renderResponses(completion, request(true)).chunks;
    const a = new ResponsesStreamAssembler();
    // Stop right after the message's text deltas, before its output_item.done.
    const cut = frames.findIndex((f) => f.includes('"response.output_text.done"'));
    expect(feed(a, frames, cut)).toBe(false);
    expect(a.sawContent).toBe(true);
    const r = a.result();
    expect(r['status']).toBe('in_progress');
    const output = r['output'] as JsonObject[];
    expect(output[0]).toMatchObject({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'a summary' }],
    });
    expect(output[1]).toMatchObject({
      type: 'message',
      content: [{ type: 'output_text', text: 'Native text.' }],
    });
  });

  it('continues the sequence numbers when the proxy has to fail the stream', () => {
    const frames = renderResponses(completion, request(true)).chunks;
    const a = new ResponsesStreamAssembler();
    feed(a, frames, 5);
    const events = decode(a.failureEvents('upstream went away'));
    expect(events.map((e) => [e['type'], e['sequence_number']])).toEqual([
      ['error', 5],
      ['response.failed', 6],
    ]);
    expect(events[1]!['response']).toMatchObject({
      status: 'failed',
      error: { message: 'upstream went away' },
    });
    // A stream that never started still opens with response.created.
    expect(decode(new ResponsesStreamAssembler().failureEvents('x')).map((e) => e['type'])).toEqual([
      'response.created',
      'error',
      'response.failed',
    ]);
  });

  it('treats response.failed and error as terminal failures', () => {
    const a = new ResponsesStreamAssembler();
    expect(a.push('response.failed', { response: { status: 'failed', error: { message: 'boom' } } })).toBe(
      true,
    );
    expect(a.failure).toBe('boom');
    const b = new ResponsesStreamAssembler();
    expect(b.push('error', { type: 'error', message: 'bad', code: 'x' })).toBe(true);
    expect(b.failure).toBe('bad');
  });

  it('ignores events it cannot place instead of throwing', () => {
    const a = new ResponsesStreamAssembler();
    expect(a.push('response.output_text.delta', { output_index: 3, content_index: 0, delta: 'x' })).toBe(
      false,
    );
    expect(a.push('response.whatever', {})).toBe(false);
    expect(a.result()['output']).toEqual([]);
  });
});
