import { ProtocolError } from './errors.js';
import { isObject, obj, objects, str } from './json.js';
import type { JsonObject } from './types.js';

/*
 * Anthropic Messages request → OpenAI Chat Completions request, for an Anthropic-speaking client
 * served by an OpenAI-compatible upstream. Fields with no OpenAI counterpart (top_k, thinking,
 * cache_control) are dropped; content OpenAI cannot carry is rejected with a ProtocolError.
 */

const TOOL_CHOICE: Record<string, string> = { auto: 'auto', any: 'required', none: 'none' };

export function anthropicToOpenAIRequest(req: JsonObject): JsonObject {
  const out: JsonObject = { model: req['model'] };
  const messages: JsonObject[] = [];
  const system = systemText(req['system']);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  objects(req['messages']).forEach((m, i) => {
    if (m['role'] === 'system') {
      // A mid-conversation system message (Claude Code) stays where it is, as an OpenAI system message.
      const text = systemText(m['content']);
      if (text !== undefined) messages.push({ role: 'system', content: text });
      return;
    }
    messages.push(...(m['role'] === 'assistant' ? assistantMessage(m, i) : userMessages(m, i)));
  });
  out['messages'] = messages;
  if (req['max_tokens'] !== undefined) out['max_tokens'] = req['max_tokens'];
  if (req['temperature'] !== undefined) out['temperature'] = req['temperature'];
  if (req['top_p'] !== undefined) out['top_p'] = req['top_p'];
  if (Array.isArray(req['stop_sequences']) && req['stop_sequences'].length > 0)
    out['stop'] = req['stop_sequences'];
  if (req['stream'] !== undefined) out['stream'] = req['stream'];
  // Without usage in the stream the Anthropic client never learns its token counts.
  if (req['stream'] === true) out['stream_options'] = { include_usage: true };
  if (Array.isArray(req['tools'])) out['tools'] = req['tools'].map((t, i) => toolToOpenAI(t, i));
  if (isObject(req['tool_choice'])) {
    const tc = req['tool_choice'];
    const kind = str(tc['type']) ?? 'auto';
    if (kind === 'tool') out['tool_choice'] = { type: 'function', function: { name: tc['name'] } };
    else if (TOOL_CHOICE[kind]) out['tool_choice'] = TOOL_CHOICE[kind];
    else throw new ProtocolError(`tool_choice.type: unknown value "${kind}"`, { param: 'tool_choice.type' });
    if (tc['disable_parallel_tool_use'] === true && kind !== 'none') out['parallel_tool_calls'] = false;
  }
  const userId = str(obj(req['metadata'])['user_id']);
  if (userId !== undefined) out['user'] = userId;
  return out;
}

/** Anthropic system blocks are separate prompt sections; a blank line keeps them apart in one string. */
function systemText(system: unknown): string | undefined {
  if (typeof system === 'string') return system === '' ? undefined : system;
  if (!Array.isArray(system)) return undefined;
  const texts = objects(system)
    .filter((b) => b['type'] === 'text')
    .map((b) => str(b['text']) ?? '');
  return texts.length > 0 ? texts.join('\n\n') : undefined;
}

function imagePart(block: JsonObject, param: string): JsonObject {
  const src = obj(block['source']);
  if (src['type'] === 'base64') {
    return {
      type: 'image_url',
      image_url: { url: `data:${str(src['media_type'])};base64,${str(src['data'])}` },
    };
  }
  if (src['type'] === 'url') return { type: 'image_url', image_url: { url: src['url'] } };
  throw new ProtocolError(
    `${param}.source.type: image source "${String(src['type'])}" cannot be sent upstream`,
    {
      param: `${param}.source.type`,
    },
  );
}

function documentPart(block: JsonObject, param: string): JsonObject {
  const src = obj(block['source']);
  if (src['type'] === 'text') return { type: 'text', text: str(src['data']) ?? '' };
  if (src['type'] === 'base64') {
    const file: JsonObject = { file_data: `data:${str(src['media_type'])};base64,${str(src['data'])}` };
    if (str(block['title'])) file['filename'] = block['title'];
    return { type: 'file', file };
  }
  throw new ProtocolError(
    `${param}.source.type: document source "${String(src['type'])}" cannot be sent upstream`,
    {
      param: `${param}.source.type`,
    },
  );
}

/** A user turn: tool results first (as `tool` messages, which must follow the assistant call), then the rest. */
function userMessages(m: JsonObject, i: number): JsonObject[] {
  const content = m['content'];
  if (typeof content === 'string') return [{ role: 'user', content }];
  const out: JsonObject[] = [];
  const parts: JsonObject[] = [];
  objects(content).forEach((b, j) => {
    const param = `messages[${i}].content[${j}]`;
    switch (b['type']) {
      case 'text':
        parts.push({ type: 'text', text: str(b['text']) ?? '' });
        return;
      case 'image':
        parts.push(imagePart(b, param));
        return;
      case 'document':
        parts.push(documentPart(b, param));
        return;
      case 'tool_result':
        out.push(toolMessage(b, param, parts));
        return;
      case 'thinking':
      case 'redacted_thinking':
        return;
      default:
        throw new ProtocolError(
          `${param}.type: block "${String(b['type'])}" cannot be sent to an OpenAI upstream`,
          {
            param: `${param}.type`,
          },
        );
    }
  });
  if (parts.length > 0) out.push({ role: 'user', content: userContent(parts) });
  return out;
}

/** One plain text part is sent as a string: the form every OpenAI-compatible server accepts. */
function userContent(parts: JsonObject[]): string | JsonObject[] {
  const only = parts[0];
  return parts.length === 1 && only?.['type'] === 'text' ? (only['text'] as string) : parts;
}

/**
 * OpenAI tool messages carry text only: images inside a tool result move to the user message that
 * follows, and `is_error` becomes an "Error: " prefix so the model still sees the failure.
 */
function toolMessage(b: JsonObject, param: string, followUp: JsonObject[]): JsonObject {
  let text: string;
  if (typeof b['content'] === 'string') text = b['content'];
  else {
    const texts: string[] = [];
    objects(b['content']).forEach((c, k) => {
      if (c['type'] === 'text') texts.push(str(c['text']) ?? '');
      else if (c['type'] === 'image') followUp.push(imagePart(c, `${param}.content[${k}]`));
    });
    text = texts.join('\n');
  }
  if (b['is_error'] === true) text = `Error: ${text}`;
  return { role: 'tool', tool_call_id: b['tool_use_id'], content: text };
}

function assistantMessage(m: JsonObject, i: number): JsonObject[] {
  const content = m['content'];
  if (typeof content === 'string') return [{ role: 'assistant', content }];
  let text = '';
  let hasText = false;
  const toolCalls: JsonObject[] = [];
  objects(content).forEach((b, j) => {
    if (b['type'] === 'text') {
      text += str(b['text']) ?? '';
      hasText = true;
    } else if (b['type'] === 'tool_use') {
      const args = JSON.stringify(b['input'] ?? {});
      toolCalls.push({ id: b['id'], type: 'function', function: { name: b['name'], arguments: args } });
    } else if (b['type'] !== 'thinking' && b['type'] !== 'redacted_thinking') {
      const param = `messages[${i}].content[${j}].type`;
      throw new ProtocolError(`${param}: block "${String(b['type'])}" cannot be sent to an OpenAI upstream`, {
        param,
      });
    }
  });
  const msg: JsonObject = { role: 'assistant', content: hasText ? text : null };
  if (toolCalls.length > 0) msg['tool_calls'] = toolCalls;
  // A turn that held only thinking has nothing OpenAI can represent.
  if (!hasText && toolCalls.length === 0) return [];
  return [msg];
}

function toolToOpenAI(t: unknown, i: number): JsonObject {
  const tool = obj(t);
  if (tool['input_schema'] === undefined) {
    const param = `tools[${i}]`;
    throw new ProtocolError(
      `${param}: server tool "${String(tool['type'] ?? tool['name'])}" cannot be used with an OpenAI upstream`,
      { param },
    );
  }
  const fn: JsonObject = { name: tool['name'] };
  if (tool['description'] !== undefined) fn['description'] = tool['description'];
  fn['parameters'] = tool['input_schema'];
  return { type: 'function', function: fn };
}
