import { ProtocolError } from './errors.js';
import { isObject, num, obj, objects, parseJsonObject, str } from './json.js';
import type { JsonObject } from './types.js';

/*
 * OpenAI Chat Completions request → Anthropic Messages request, for an OpenAI-speaking client served
 * by an Anthropic upstream. Anthropic needs strictly alternating user/assistant turns and a system
 * prompt outside the message list, so the message list is reshaped, not just renamed.
 */

export interface OpenAIToAnthropicOptions {
  /** Anthropic requires max_tokens; used when the client set neither max_tokens nor max_completion_tokens. */
  defaultMaxTokens: number;
}

type Content = string | JsonObject[];
interface Turn {
  role: 'user' | 'assistant';
  content: Content;
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

export function openAIToAnthropicRequest(req: JsonObject, opts: OpenAIToAnthropicOptions): JsonObject {
  const n = num(req['n']);
  if (n !== undefined && n > 1) {
    throw new ProtocolError('n: an Anthropic upstream returns a single choice; n must be 1', {
      param: 'n',
      code: 'unsupported_parameter',
    });
  }
  if (req['functions'] !== undefined) {
    throw new ProtocolError('functions: the legacy functions parameter is not supported; use tools', {
      param: 'functions',
      code: 'unsupported_parameter',
    });
  }
  const system: string[] = [];
  const turns: Turn[] = [];
  objects(req['messages']).forEach((m, i) => {
    const role = m['role'];
    if (role === 'system' || role === 'developer') system.push(plainText(m['content']));
    else if (role === 'user') addTurn(turns, 'user', userContent(m['content'], i));
    else if (role === 'assistant') addTurn(turns, 'assistant', assistantContent(m, i));
    else if (role === 'tool') addTurn(turns, 'user', [toolResult(m)]);
    else {
      throw new ProtocolError(
        `messages[${i}].role: role "${String(role)}" is not supported with an Anthropic upstream`,
        {
          param: `messages[${i}].role`,
        },
      );
    }
  });

  const out: JsonObject = { model: req['model'] };
  out['max_tokens'] = num(req['max_completion_tokens']) ?? num(req['max_tokens']) ?? opts.defaultMaxTokens;
  if (system.length > 0) out['system'] = system.join('\n\n');
  out['messages'] = turns;
  const stop = req['stop'];
  if (typeof stop === 'string') out['stop_sequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) out['stop_sequences'] = stop;
  const temperature = num(req['temperature']);
  // OpenAI allows up to 2, Anthropic up to 1; clamping keeps the request valid rather than failing it.
  if (temperature !== undefined) out['temperature'] = Math.min(1, Math.max(0, temperature));
  if (req['top_p'] != null) out['top_p'] = req['top_p'];
  if (req['stream'] !== undefined) out['stream'] = req['stream'];
  if (Array.isArray(req['tools']) && req['tools'].length > 0) {
    out['tools'] = req['tools'].map((t, i) => toolToAnthropic(obj(t), i));
    const choice = toolChoice(req['tool_choice']);
    if (req['parallel_tool_calls'] === false && choice?.['type'] !== 'none') {
      out['tool_choice'] = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
    } else if (choice) out['tool_choice'] = choice;
  }
  const user = str(req['user']);
  if (user !== undefined) out['metadata'] = { user_id: user };
  return out;
}

/** Anthropic rejects two turns of the same role in a row: merge them into one. */
function addTurn(turns: Turn[], role: Turn['role'], content: Content | null): void {
  if (content === null) return;
  const last = turns[turns.length - 1];
  if (last && last.role === role) last.content = [...asBlocks(last.content), ...asBlocks(content)];
  else turns.push({ role, content });
}

function asBlocks(c: Content): JsonObject[] {
  return typeof c === 'string' ? (c === '' ? [] : [{ type: 'text', text: c }]) : c;
}

function plainText(content: unknown): string {
  if (typeof content === 'string') return content;
  return objects(content)
    .filter((p) => p['type'] === 'text')
    .map((p) => str(p['text']) ?? '')
    .join('');
}

function userContent(content: unknown, i: number): Content {
  if (typeof content === 'string') return content;
  const blocks: JsonObject[] = [];
  objects(content).forEach((p, j) => {
    const param = `messages[${i}].content[${j}]`;
    if (p['type'] === 'text') {
      // Anthropic rejects empty text blocks; an empty part says nothing anyway.
      if (str(p['text'])) blocks.push({ type: 'text', text: p['text'] });
    } else if (p['type'] === 'image_url') blocks.push(imageBlock(p, param));
    else if (p['type'] === 'file') blocks.push(documentBlock(p, param));
    else {
      throw new ProtocolError(
        `${param}.type: part "${String(p['type'])}" cannot be sent to an Anthropic upstream`,
        {
          param: `${param}.type`,
        },
      );
    }
  });
  return blocks;
}

function imageBlock(part: JsonObject, param: string): JsonObject {
  const iu = part['image_url'];
  const url = typeof iu === 'string' ? iu : (str(obj(iu)['url']) ?? '');
  const data = DATA_URL.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new ProtocolError(`${param}.image_url.url: expected a data: URL or an http(s) URL`, {
    param: `${param}.image_url.url`,
  });
}

function documentBlock(part: JsonObject, param: string): JsonObject {
  const file = obj(part['file']);
  const data = DATA_URL.exec(str(file['file_data']) ?? '');
  if (!data) {
    throw new ProtocolError(
      `${param}.file: only inline file_data (a base64 data: URL) can be sent to Anthropic`,
      {
        param: `${param}.file`,
      },
    );
  }
  const block: JsonObject = {
    type: 'document',
    source: { type: 'base64', media_type: data[1], data: data[2] },
  };
  if (str(file['filename'])) block['title'] = file['filename'];
  return block;
}

function assistantContent(m: JsonObject, i: number): Content | null {
  const blocks: JsonObject[] = [];
  const c = m['content'];
  if (typeof c === 'string') {
    if (c !== '') blocks.push({ type: 'text', text: c });
  } else {
    for (const p of objects(c)) {
      const text = str(p['type'] === 'refusal' ? p['refusal'] : p['text']);
      if (text) blocks.push({ type: 'text', text });
    }
  }
  objects(m['tool_calls']).forEach((tc, j) => {
    const fn = obj(tc['function']);
    const raw = str(fn['arguments']) ?? '';
    // Argument-less calls often arrive as "" rather than "{}".
    const input = raw.trim() === '' ? {} : parseJsonObject(raw);
    if (input === undefined) {
      const param = `messages[${i}].tool_calls[${j}].function.arguments`;
      throw new ProtocolError(`${param}: not a JSON object`, { param });
    }
    blocks.push({ type: 'tool_use', id: tc['id'], name: fn['name'], input });
  });
  if (isObject(m['function_call'])) {
    const param = `messages[${i}].function_call`;
    throw new ProtocolError(`${param}: legacy function calls are not supported; use tool_calls`, { param });
  }
  // An empty assistant turn is invalid for Anthropic and carries nothing; drop it.
  if (blocks.length === 0) return null;
  const only = blocks[0];
  return blocks.length === 1 && only?.['type'] === 'text' ? (only['text'] as string) : blocks;
}

function toolResult(m: JsonObject): JsonObject {
  const c = m['content'];
  const content =
    typeof c === 'string'
      ? c
      : objects(c)
          .filter((p) => p['type'] === 'text')
          .map((p) => ({ type: 'text', text: str(p['text']) ?? '' }));
  return { type: 'tool_result', tool_use_id: m['tool_call_id'], content };
}

function toolToAnthropic(t: JsonObject, i: number): JsonObject {
  if (t['type'] !== 'function' || !isObject(t['function'])) {
    throw new ProtocolError(`tools[${i}].type: only function tools can be sent to an Anthropic upstream`, {
      param: `tools[${i}].type`,
    });
  }
  const fn = t['function'];
  const tool: JsonObject = { name: fn['name'] };
  if (fn['description'] !== undefined) tool['description'] = fn['description'];
  tool['input_schema'] = isObject(fn['parameters']) ? fn['parameters'] : { type: 'object', properties: {} };
  return tool;
}

function toolChoice(choice: unknown): JsonObject | undefined {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  if (isObject(choice) && choice['type'] === 'function') {
    return { type: 'tool', name: obj(choice['function'])['name'] };
  }
  if (choice === undefined || choice === null) return undefined;
  throw new ProtocolError('tool_choice: expected "auto", "required", "none" or a function choice', {
    param: 'tool_choice',
  });
}
