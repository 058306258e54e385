import { describe, expect, it, vi } from 'vitest';
import { ResponsesStreamAssembler } from '../../../src/protocol/responses/assemble.js';
import { responsesToChatRequest } from '../../../src/protocol/responses/request-to-chat.js';
import { chatToResponsesResponse } from '../../../src/protocol/responses/response-from-chat.js';
import { ChatToResponsesStream } from '../../../src/protocol/responses/stream-from-chat.js';
import { chatToolName } from '../../../src/protocol/responses/tools.js';
import type { JsonObject } from '../../../src/protocol/types.js';

/*
 * Codex's tools over a Chat upstream: namespace tools flattened to `<ns>__<name>`, custom (freeform)
 * tools as a one-string function, local_shell as a function, hosted tools left out; and each call
 * coming back as the item Codex expects, streamed or not.
 */

const GRAMMAR = 'start: begin_patch hunk+ end_patch';
const SPAWN = { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] };

/** The tool list Codex 0.169 sends (abridged), plus the custom and local_shell tools of other versions. */
const TOOLS: JsonObject[] = [
  {
    type: 'function',
    name: 'exec_command',
    description: 'Runs a command.',
    strict: false,
    parameters: { type: 'object' },
  },
  {
    type: 'namespace',
    name: 'multi_agent_v1',
    description: 'Tools for spawning and managing sub-agents.',
    tools: [
      {
        type: 'function',
        name: 'spawn_agent',
        description: 'Spawn an agent.',
        strict: false,
        parameters: SPAWN,
      },
      { type: 'function', name: 'close_agent', parameters: { type: 'object' } },
    ],
  },
  { type: 'web_search', external_web_access: false },
  {
    type: 'custom',
    name: 'apply_patch',
    description: 'Edit files with a patch.',
    format: { type: 'grammar', syntax: 'lark', definition: GRAMMAR },
  },
  { type: 'local_shell' },
  { type: 'file_search', vector_store_ids: ['vs_1'] },
];

const REQ: JsonObject = { model: 'codex', input: 'hi', tools: TOOLS, tool_choice: 'auto', stream: true };

const PATCH = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch';

/** A Chat answer calling a namespaced function, the custom tool, local_shell and an unknown name. */
const CALLS: JsonObject[] = [
  {
    id: 'call_a',
    type: 'function',
    function: { name: 'multi_agent_v1__spawn_agent', arguments: '{"message":"go"}' },
  },
  {
    id: 'call_b',
    type: 'function',
    function: { name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) },
  },
  {
    id: 'call_c',
    type: 'function',
    function: { name: 'local_shell', arguments: '{"command":["ls","-la"],"working_directory":"/tmp"}' },
  },
  { id: 'call_d', type: 'function', function: { name: 'exec_command', arguments: '' } },
];

const EXPECTED_ITEMS = [
  {
    id: 'fc_c1_0',
    type: 'function_call',
    status: 'completed',
    arguments: '{"message":"go"}',
    call_id: 'call_a',
    name: 'spawn_agent',
    namespace: 'multi_agent_v1',
  },
  {
    id: 'fc_c1_1',
    type: 'custom_tool_call',
    status: 'completed',
    call_id: 'call_b',
    input: PATCH,
    name: 'apply_patch',
  },
  {
    id: 'fc_c1_2',
    type: 'local_shell_call',
    status: 'completed',
    call_id: 'call_c',
    action: {
      type: 'exec',
      command: ['ls', '-la'],
      timeout_ms: null,
      working_directory: '/tmp',
      env: {},
      user: null,
    },
  },
  {
    id: 'fc_c1_3',
    type: 'function_call',
    status: 'completed',
    arguments: '{}',
    call_id: 'call_d',
    name: 'exec_command',
  },
];

function chatAnswer(calls: JsonObject[]): JsonObject {
  return {
    id: 'c1',
    object: 'chat.completion',
    created: 9,
    model: 'up',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: calls },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
  };
}

/** The same calls as Chat stream chunks: name first, arguments in small fragments. */
function chatChunks(calls: JsonObject[]): JsonObject[] {
  const chunk = (delta: JsonObject, finish: string | null = null): JsonObject => ({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 9,
    model: 'up',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const out = [chunk({ role: 'assistant', content: null })];
  calls.forEach((c, index) => {
    const fn = c['function'] as JsonObject;
    out.push(
      chunk({
        tool_calls: [{ index, id: c['id'], type: 'function', function: { name: fn['name'], arguments: '' } }],
      }),
    );
    const args = fn['arguments'] as string;
    for (let i = 0; i < args.length; i += 7)
      out.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(i, i + 7) } }] }));
  });
  out.push(chunk({}, 'tool_calls'));
  out.push({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 9,
    model: 'up',
    choices: [],
    usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
  });
  return out;
}

describe('Codex tools → Chat request', () => {
  it('flattens namespaces, turns custom and local_shell tools into functions and leaves hosted tools out', () => {
    const onDroppedTools = vi.fn();
    const out = responsesToChatRequest(REQ, { onDroppedTools });
    const fns = (out['tools'] as JsonObject[]).map((t) => t['function'] as JsonObject);
    expect(fns.map((f) => f['name'])).toEqual([
      'exec_command',
      'multi_agent_v1__spawn_agent',
      'multi_agent_v1__close_agent',
      'apply_patch',
      'local_shell',
    ]);
    expect(onDroppedTools).toHaveBeenCalledWith(['web_search', 'file_search']);
    expect(out['tool_choice']).toBe('auto');
    expect(fns[1]).toEqual({
      name: 'multi_agent_v1__spawn_agent',
      description: 'Tools for spawning and managing sub-agents.\n\nSpawn an agent.',
      parameters: SPAWN,
      strict: false,
    });
    expect(fns[3]?.['parameters']).toEqual({
      type: 'object',
      properties: { input: { type: 'string', description: 'The raw input for the tool.' } },
      required: ['input'],
      additionalProperties: false,
    });
    expect(fns[3]?.['description']).toContain('Edit files with a patch.');
    expect(fns[3]?.['description']).toContain(`lark grammar:\n${GRAMMAR}`);
    expect(fns[4]?.['parameters']).toMatchObject({ required: ['command'] });
  });

  it('sends no tools and no tool_choice when only hosted tools were offered, and ignores a hosted choice', () => {
    const out = responsesToChatRequest({
      model: 'm',
      input: 'x',
      tools: [{ type: 'web_search_preview_2025_03_11' }],
      tool_choice: { type: 'web_search_preview' },
    });
    expect(out).not.toHaveProperty('tools');
    expect(out).not.toHaveProperty('tool_choice');
    const forced = responsesToChatRequest({ ...REQ, tool_choice: { type: 'custom', name: 'apply_patch' } });
    expect(forced['tool_choice']).toEqual({ type: 'function', function: { name: 'apply_patch' } });
  });

  it('makes every name a valid Chat function name of at most 64 characters', () => {
    expect(chatToolName('spawn_agent', 'multi_agent_v1')).toBe('multi_agent_v1__spawn_agent');
    expect(chatToolName('exec_command')).toBe('exec_command');
    expect(chatToolName('read.file', 'mcp:fs')).toBe('mcp_fs__read_file');
    const a = chatToolName('x'.repeat(80), 'ns');
    const b = chatToolName(`${'x'.repeat(79)}y`, 'ns');
    expect(a).toMatch(/^[a-zA-Z0-9_-]{64}$/);
    expect(b).toMatch(/^[a-zA-Z0-9_-]{64}$/);
    expect(a).not.toBe(b);
  });

  it('folds namespaced, custom and local shell calls and their outputs into tool calls and tool messages', () => {
    const out = responsesToChatRequest({
      model: 'm',
      tools: TOOLS,
      input: [
        { type: 'message', role: 'user', content: 'go' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'q' } },
        {
          type: 'function_call',
          call_id: 'a',
          name: 'spawn_agent',
          namespace: 'multi_agent_v1',
          arguments: '{}',
        },
        { type: 'custom_tool_call', call_id: 'b', name: 'apply_patch', input: PATCH },
        {
          type: 'local_shell_call',
          call_id: 'c',
          status: 'completed',
          action: {
            type: 'exec',
            command: ['ls'],
            env: {},
            timeout_ms: null,
            working_directory: null,
            user: null,
          },
        },
        { type: 'function_call_output', call_id: 'a', output: 'agent 1' },
        { type: 'custom_tool_call_output', call_id: 'b', output: [{ type: 'input_text', text: 'Done!' }] },
        { type: 'local_shell_call_output', id: 'c', output: '{"output":"a.txt"}' },
      ],
    });
    expect(out['messages']).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'multi_agent_v1__spawn_agent', arguments: '{}' } },
          {
            id: 'b',
            type: 'function',
            function: { name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) },
          },
          { id: 'c', type: 'function', function: { name: 'local_shell', arguments: '{"command":["ls"]}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: 'agent 1' },
      { role: 'tool', tool_call_id: 'b', content: 'Done!' },
      { role: 'tool', tool_call_id: 'c', content: '{"output":"a.txt"}' },
    ]);
  });
});

describe('Chat tool calls → Codex items', () => {
  it('non-stream: restores namespace, custom and local shell calls; unknown names stay plain functions', () => {
    const out = chatToResponsesResponse(chatAnswer(CALLS), REQ);
    expect(out['output']).toEqual(EXPECTED_ITEMS);
  });

  it('stream: announces each call, streams only function arguments, completes custom input at the end', () => {
    const t = new ChatToResponsesStream(REQ);
    const events = chatChunks(CALLS).flatMap((c) => t.push(c));
    const data = events.map((e) => JSON.parse(e.data) as JsonObject);
    const added = data
      .filter((d) => d['type'] === 'response.output_item.added')
      .map((d) => d['item'] as JsonObject);
    expect(added.map((i) => [i['type'], i['name'], i['namespace'], i['status']])).toEqual([
      ['function_call', 'spawn_agent', 'multi_agent_v1', 'in_progress'],
      ['custom_tool_call', 'apply_patch', undefined, 'in_progress'],
      ['local_shell_call', undefined, undefined, 'in_progress'],
      ['function_call', 'exec_command', undefined, 'in_progress'],
    ]);
    const argDeltas = data.filter((d) => d['type'] === 'response.function_call_arguments.delta');
    expect(new Set(argDeltas.map((d) => d['output_index']))).toEqual(new Set([0]));
    const customDone = data.find((d) => d['type'] === 'response.custom_tool_call_input.done');
    expect(customDone).toMatchObject({ item_id: 'fc_c1_1', output_index: 1, input: PATCH });
    const fnDone = data.find((d) => d['type'] === 'response.function_call_arguments.done');
    expect(fnDone).toMatchObject({ name: 'spawn_agent', arguments: '{"message":"go"}' });
    const done = data.filter((d) => d['type'] === 'response.output_item.done').map((d) => d['item']);
    expect(done).toEqual(EXPECTED_ITEMS);
    const completed = data.find((d) => d['type'] === 'response.completed');
    expect(completed?.['response']).toMatchObject({ output: EXPECTED_ITEMS });
  });

  it('the assembler rebuilds custom input from its deltas when the stream is cut before the items close', () => {
    const a = new ResponsesStreamAssembler();
    const item = {
      id: 'x',
      type: 'custom_tool_call',
      status: 'in_progress',
      call_id: 'c',
      name: 'apply_patch',
      input: '',
    };
    a.push('response.output_item.added', { output_index: 0, item });
    a.push('response.custom_tool_call_input.delta', { item_id: 'x', output_index: 0, delta: '*** Begin' });
    a.push('response.custom_tool_call_input.delta', { item_id: 'x', output_index: 0, delta: ' Patch' });
    expect(a.result()['output']).toEqual([{ ...item, input: '*** Begin Patch' }]);
  });

  it('round trip: the items Codex gets back, sent as history, reproduce the Chat tool calls', () => {
    const t = new ChatToResponsesStream(REQ);
    const a = new ResponsesStreamAssembler();
    for (const ev of chatChunks(CALLS).flatMap((c) => t.push(c)))
      a.push(ev.event ?? '', JSON.parse(ev.data) as JsonObject);
    const streamed = a.result()['output'] as JsonObject[];
    expect(streamed).toEqual(chatToResponsesResponse(chatAnswer(CALLS), REQ)['output']);
    const next = responsesToChatRequest({ model: 'm', tools: TOOLS, input: streamed });
    const calls = ((next['messages'] as JsonObject[])[0]!['tool_calls'] as JsonObject[]).map((c) => [
      c['id'],
      (c['function'] as JsonObject)['name'],
      JSON.parse((c['function'] as JsonObject)['arguments'] as string),
    ]);
    expect(calls).toEqual(
      CALLS.map((c) => {
        const fn = c['function'] as JsonObject;
        return [c['id'], fn['name'], JSON.parse((fn['arguments'] as string) || '{}')];
      }),
    );
  });
});
