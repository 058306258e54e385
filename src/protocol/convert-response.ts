import { isObject, obj, objects, parseJsonObject, str } from './json.js';
import {
  anthropicStopReason,
  anthropicUsageFromOpenAI,
  openAIFinishReason,
  openAIUsageFromAnthropic,
} from './mapping.js';
import type { JsonObject } from './types.js';

/** Reasoning text from an OpenAI message or delta; backends use either field name. */
export function reasoningText(m: JsonObject): string {
  return str(m['reasoning_content']) ?? str(m['reasoning']) ?? '';
}

/** Tool arguments are model output: a truncated or malformed call becomes `{}` rather than failing the answer. */
export function toolInput(args: unknown): JsonObject {
  return parseJsonObject(str(args) ?? '') ?? {};
}

/**
 * An OpenAI `chat.completion` (choice 0) as an Anthropic Message. `model` is the one the client
 * asked for, since the client validates answers against its own model name, not the upstream's.
 */
export function openAIToAnthropicResponse(resp: JsonObject, requestModel: string): JsonObject {
  const choice = objects(resp['choices']).find((c) => (c['index'] ?? 0) === 0) ?? {};
  const message = obj(choice['message']);
  const content: JsonObject[] = [];
  const reasoning = reasoningText(message);
  // OpenAI has no thinking signature; an empty one marks the block as not replayable to Anthropic.
  if (reasoning) content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  const text = messageText(message['content']) || (str(message['refusal']) ?? '');
  if (text) content.push({ type: 'text', text });
  for (const tc of objects(message['tool_calls'])) {
    const fn = obj(tc['function']);
    content.push({ type: 'tool_use', id: tc['id'], name: fn['name'], input: toolInput(fn['arguments']) });
  }
  return {
    id: `msg_${String(resp['id'] ?? '')}`,
    type: 'message',
    role: 'assistant',
    model: requestModel,
    content,
    stop_reason: anthropicStopReason(choice['finish_reason']),
    stop_sequence: null,
    usage: anthropicUsageFromOpenAI(resp['usage']),
  };
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  return objects(content)
    .filter((p) => p['type'] === 'text')
    .map((p) => str(p['text']) ?? '')
    .join('');
}

export interface AnthropicToOpenAIResponseOptions {
  /** Unix seconds for `created`; defaults to now (Anthropic messages carry no timestamp). */
  created?: number;
}

/** An Anthropic Message as an OpenAI `chat.completion` with one choice. */
export function anthropicToOpenAIResponse(
  resp: JsonObject,
  opts: AnthropicToOpenAIResponseOptions = {},
): JsonObject {
  let text = '';
  let reasoning = '';
  const toolCalls: JsonObject[] = [];
  for (const b of objects(resp['content'])) {
    if (b['type'] === 'text') text += str(b['text']) ?? '';
    else if (b['type'] === 'thinking') reasoning += str(b['thinking']) ?? '';
    else if (b['type'] === 'tool_use') {
      const args = JSON.stringify(isObject(b['input']) ? b['input'] : {});
      toolCalls.push({ id: b['id'], type: 'function', function: { name: b['name'], arguments: args } });
    }
  }
  const message: JsonObject = { role: 'assistant', content: text === '' ? null : text };
  if (reasoning) message['reasoning_content'] = reasoning;
  if (toolCalls.length > 0) message['tool_calls'] = toolCalls;
  const out: JsonObject = {
    id: resp['id'] ?? '',
    object: 'chat.completion',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    model: resp['model'] ?? '',
    choices: [{ index: 0, message, logprobs: null, finish_reason: openAIFinishReason(resp['stop_reason']) }],
  };
  if (isObject(resp['usage'])) out['usage'] = openAIUsageFromAnthropic(resp['usage']);
  return out;
}
