import { ProtocolError } from '../errors.js';
import { isObject, obj, objects, str } from '../json.js';
import type { JsonObject } from '../types.js';
import { chatToolName, isHostedTool, LOCAL_SHELL, shellArguments, toolsToChat } from './tools.js';

/*
 * OpenAI Responses request → OpenAI Chat Completions request, for a Responses client (Codex) served
 * by an upstream that only speaks Chat (Ollama, vLLM, Kimi, OpenRouter …). The item list is folded
 * into chat messages: an assistant's text, reasoning and function calls become one assistant message,
 * each function_call_output a `tool` message. Codex's namespace, custom and local_shell tools become
 * Chat functions (see tools.ts); hosted tools are left out, since only OpenAI's service runs them.
 * Anything else Chat cannot carry is refused, naming the field.
 */

export interface ResponsesToChatOptions {
  /** Told the types of the tools left out of the Chat request (hosted tools), when there are any. */
  onDroppedTools?(types: string[]): void;
}

/** Outputs of calls the client ran; each becomes a Chat `tool` message. */
const TOOL_OUTPUTS = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);

/** Items recording what a hosted tool did inside OpenAI's service: history Chat has no place for. */
const HOSTED_CALL_ITEMS = new Set([
  'web_search_call',
  'file_search_call',
  'code_interpreter_call',
  'image_generation_call',
  'mcp_list_tools',
  'mcp_call',
]);

const unsupported = (param: string, why: string) =>
  new ProtocolError(`${param}: ${why}`, { param, code: 'unsupported_parameter' });

export function responsesToChatRequest(req: JsonObject, opts: ResponsesToChatOptions = {}): JsonObject {
  if (req['previous_response_id'] != null) {
    throw unsupported(
      'previous_response_id',
      'the upstream speaks Chat Completions, so there is no stored response to continue; send the whole conversation in input (with store: false)',
    );
  }
  const messages: JsonObject[] = [];
  const instructions = str(req['instructions']);
  if (instructions) messages.push({ role: 'system', content: instructions });
  const input = req['input'];
  if (typeof input === 'string') messages.push({ role: 'user', content: input });
  else if (Array.isArray(input)) new ItemFolder(messages).fold(input);
  else throw new ProtocolError('input: is required', { param: 'input', code: 'missing_required_parameter' });

  const out: JsonObject = { model: req['model'], messages };
  if (req['max_output_tokens'] != null) out['max_tokens'] = req['max_output_tokens'];
  if (req['temperature'] != null) out['temperature'] = req['temperature'];
  if (req['top_p'] != null) out['top_p'] = req['top_p'];
  if (req['stream'] !== undefined) out['stream'] = req['stream'];
  // Usage only reaches a streaming client when asked for; response.completed must carry it.
  if (req['stream'] === true) out['stream_options'] = { include_usage: true };
  const { tools, dropped } = toolsToChat(req['tools']);
  if (dropped.length > 0) opts.onDroppedTools?.(dropped);
  if (tools.length > 0) {
    out['tools'] = tools;
    // Chat refuses parallel_tool_calls and tool_choice (but "none") without tools.
    if (typeof req['parallel_tool_calls'] === 'boolean')
      out['parallel_tool_calls'] = req['parallel_tool_calls'];
  }
  const choice = req['tool_choice'] === undefined ? undefined : toolChoice(req['tool_choice']);
  if (choice !== undefined && (tools.length > 0 || choice === 'none')) out['tool_choice'] = choice;
  const format = responseFormat(obj(req['text'])['format']);
  if (format) out['response_format'] = format;
  const effort = str(obj(req['reasoning'])['effort']);
  if (effort) out['reasoning_effort'] = effort;
  if (typeof req['user'] === 'string') out['user'] = req['user'];
  return out;
}

/** Folds Responses input items into Chat messages, in order. */
class ItemFolder {
  /** The assistant message that following function calls (and reasoning) belong to. */
  private assistant: JsonObject | null = null;
  /** Reasoning seen before the assistant output it led to. */
  private reasoning = '';
  /** Images returned by tools: Chat tool messages hold text only, so they follow as a user message. */
  private toolImages: JsonObject[] = [];

  constructor(private readonly messages: JsonObject[]) {}

  fold(items: unknown[]): void {
    items.forEach((raw, i) => {
      const it = obj(raw);
      const type = str(it['type']) ?? 'message';
      const param = `input[${i}]`;
      const output = TOOL_OUTPUTS.has(type);
      if (!output) this.flushToolImages();
      if (type === 'message') this.message(it, param);
      else if (type === 'function_call')
        this.toolCall(it, chatToolName(name(it), str(it['namespace'])), it['arguments']);
      else if (type === 'custom_tool_call')
        this.toolCall(
          it,
          chatToolName(name(it), str(it['namespace'])),
          JSON.stringify({ input: str(it['input']) ?? '' }),
        );
      else if (type === 'local_shell_call') this.toolCall(it, LOCAL_SHELL, shellArguments(it['action']));
      else if (output) this.toolOutput(it, param);
      else if (type === 'reasoning') this.reasoning += reasoningText(it);
      else if (HOSTED_CALL_ITEMS.has(type)) return;
      else throw unsupported(`${param}.type`, `item "${type}" cannot be translated to Chat Completions`);
    });
    this.flushToolImages();
  }

  private push(m: JsonObject): void {
    this.messages.push(m);
    this.assistant = null;
  }

  private message(it: JsonObject, param: string): void {
    const role = str(it['role']) ?? 'user';
    if (role === 'assistant') {
      this.openAssistant(assistantText(it['content'], `${param}.content`));
      return;
    }
    // Many Chat servers (Ollama, older vLLM) know no `developer` role; `system` means the same to them.
    if (role === 'system' || role === 'developer') {
      this.push({ role: 'system', content: plainText(it['content'], `${param}.content`) });
      return;
    }
    this.push({ role: 'user', content: userContent(it['content'], `${param}.content`) });
  }

  private openAssistant(text: string | null): JsonObject {
    const m: JsonObject = { role: 'assistant', content: text };
    this.push(m);
    this.assistant = m;
    this.attachReasoning(m);
    return m;
  }

  /**
   * Reasoning rides along as `reasoning_content`, the field reasoning servers (vLLM, DeepSeek, Kimi)
   * emit and, in tool loops, expect back; servers without reasoning ignore it.
   */
  private attachReasoning(m: JsonObject): void {
    if (!this.reasoning) return;
    m['reasoning_content'] = (str(m['reasoning_content']) ?? '') + this.reasoning;
    this.reasoning = '';
  }

  /** A function, custom or local shell call: one Chat tool call on the current assistant message. */
  private toolCall(it: JsonObject, chatName: string, args: unknown): void {
    const m = this.assistant ?? this.openAssistant(null);
    this.attachReasoning(m);
    const calls = Array.isArray(m['tool_calls']) ? m['tool_calls'] : [];
    calls.push({
      // local_shell_call items of the Chat era carry only `id`.
      id: it['call_id'] ?? it['id'],
      type: 'function',
      function: { name: chatName, arguments: args },
    });
    m['tool_calls'] = calls;
  }

  /** function_call_output, custom_tool_call_output, local_shell_call_output: a `tool` message. */
  private toolOutput(it: JsonObject, param: string): void {
    const output = it['output'];
    let text: string;
    if (typeof output === 'string') text = output;
    else {
      const texts: string[] = [];
      objects(output).forEach((p, j) => {
        const at = `${param}.output[${j}]`;
        if (p['type'] === 'input_text' || p['type'] === 'output_text') texts.push(str(p['text']) ?? '');
        else this.toolImages.push(userPart(p, at));
      });
      text = texts.join('\n');
    }
    this.push({ role: 'tool', tool_call_id: it['call_id'] ?? it['id'], content: text });
  }

  private flushToolImages(): void {
    if (this.toolImages.length === 0) return;
    this.push({ role: 'user', content: this.toolImages });
    this.toolImages = [];
  }
}

function name(it: JsonObject): string {
  return str(it['name']) ?? '';
}

function reasoningText(it: JsonObject): string {
  const content = objects(it['content']).filter((p) => p['type'] === 'reasoning_text');
  // Raw reasoning when the item has it (our own translations do), else OpenAI's summary.
  const parts = content.length > 0 ? content : objects(it['summary']);
  return parts.map((p) => str(p['text']) ?? '').join('\n');
}

function assistantText(content: unknown, param: string): string | null {
  if (typeof content === 'string') return content;
  let text = '';
  objects(content).forEach((p, j) => {
    if (p['type'] === 'output_text' || p['type'] === 'input_text') text += str(p['text']) ?? '';
    else if (p['type'] === 'refusal') text += str(p['refusal']) ?? '';
    else throw unsupported(`${param}[${j}].type`, `part "${String(p['type'])}" cannot be an assistant's`);
  });
  return text === '' ? null : text;
}

function plainText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  return objects(content)
    .map((p, j) => {
      if (p['type'] === 'input_text' || p['type'] === 'output_text') return str(p['text']) ?? '';
      throw unsupported(
        `${param}[${j}].type`,
        `a system message holds text only, got "${String(p['type'])}"`,
      );
    })
    .join('\n');
}

/** One plain text part goes as a string: the form every Chat server accepts. */
function userContent(content: unknown, param: string): string | JsonObject[] {
  if (typeof content === 'string') return content;
  const parts = objects(content).map((p, j) => userPart(p, `${param}[${j}]`));
  const only = parts[0];
  return parts.length === 1 && only?.['type'] === 'text' ? (only['text'] as string) : parts;
}

function userPart(p: JsonObject, param: string): JsonObject {
  switch (p['type']) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: str(p['text']) ?? '' };
    case 'input_image': {
      const url = str(p['image_url']);
      // A file_id points into OpenAI's file store, which a Chat upstream cannot read.
      if (!url)
        throw unsupported(`${param}.image_url`, 'only image_url images can be translated (not file_id)');
      const image: JsonObject = { url };
      if (typeof p['detail'] === 'string') image['detail'] = p['detail'];
      return { type: 'image_url', image_url: image };
    }
    case 'input_file': {
      const file: JsonObject = {};
      if (typeof p['file_data'] === 'string') file['file_data'] = p['file_data'];
      else if (typeof p['file_id'] === 'string') file['file_id'] = p['file_id'];
      else
        throw unsupported(`${param}.file_data`, 'only inline file_data or file_id files can be translated');
      if (typeof p['filename'] === 'string') file['filename'] = p['filename'];
      return { type: 'file', file };
    }
    default:
      throw unsupported(
        `${param}.type`,
        `part "${String(p['type'])}" cannot be translated to Chat Completions`,
      );
  }
}

/** undefined: leave the choice to the model (a hosted tool the Chat request does not offer). */
function toolChoice(choice: unknown): unknown {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  const type = str(obj(choice)['type']) ?? '';
  const name = str(obj(choice)['name']);
  if ((type === 'function' || type === 'custom') && name !== undefined) {
    return { type: 'function', function: { name: chatToolName(name, str(obj(choice)['namespace'])) } };
  }
  if (type === 'local_shell') return { type: 'function', function: { name: LOCAL_SHELL } };
  // A subset of the tools cannot be offered to Chat; its mode is the closest it comes.
  if (type === 'allowed_tools') return obj(choice)['mode'] === 'required' ? 'required' : 'auto';
  if (isHostedTool(type)) return undefined;
  const what = isObject(choice) ? `{type: "${String(choice['type'])}"}` : JSON.stringify(choice);
  throw unsupported(
    'tool_choice',
    `${what} cannot be translated; use "auto", "none", "required", a function or a custom tool`,
  );
}

function responseFormat(format: unknown): JsonObject | undefined {
  if (!isObject(format) || format['type'] === 'text') return undefined;
  if (format['type'] === 'json_object') return { type: 'json_object' };
  if (format['type'] === 'json_schema') {
    const schema: JsonObject = { name: format['name'], schema: format['schema'] };
    if (format['description'] !== undefined) schema['description'] = format['description'];
    if (typeof format['strict'] === 'boolean') schema['strict'] = format['strict'];
    return { type: 'json_schema', json_schema: schema };
  }
  throw unsupported('text.format.type', `format "${String(format['type'])}" cannot be translated`);
}
