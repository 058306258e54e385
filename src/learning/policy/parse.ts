import { randomBytes } from 'node:crypto';
import { isObject } from '../../protocol/json.js';

export interface ParsedToolCall {
  id: string;
  name: string;
  /** JSON text, as OpenAI's `function.arguments`. */
  arguments: string;
}

export type ChatFinishReason = 'stop' | 'length' | 'tool_calls';

/** The assistant message the sampled text stands for. */
export interface ParsedAssistant {
  /** Visible text; null when the reply is only tool calls (as OpenAI sends it). */
  content: string | null;
  reasoning: string | null;
  toolCalls: ParsedToolCall[];
  finishReason: ChatFinishReason;
  /** `<tool_call>` blocks whose JSON did not parse: kept verbatim in `content`, counted here. */
  malformedToolCalls: number;
}

export interface ParseOptions {
  /** Ids for parsed tool calls (tests pass a deterministic one). */
  newId?: () => string;
}

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';
const CALL_RE = /<tool_call>([\s\S]*?)<\/tool_call>/g;

/**
 * Decoded sampled text → an assistant message, for Qwen3-style output:
 * `<think>…</think>` is reasoning, each `<tool_call>{"name", "arguments"}</tool_call>` a tool call,
 * the rest is content. The text is only the client's view: training uses the sampled token ids.
 */
export function parseAssistantText(
  text: string,
  stopReason: 'stop' | 'length',
  opts: ParseOptions = {},
): ParsedAssistant {
  const newId = opts.newId ?? toolCallId;
  const { reasoning, rest } = splitReasoning(text);
  const toolCalls: ParsedToolCall[] = [];
  let malformed = 0;
  const content = rest.replace(CALL_RE, (block: string, inner: string) => {
    const call = toolCallFrom(inner);
    if (!call) {
      // Keep it visible rather than drop it: the user (and the judge) should see what the model tried.
      malformed++;
      return block;
    }
    toolCalls.push({ id: newId(), ...call });
    return '';
  });
  const visible = content.trim();
  const finishReason: ChatFinishReason =
    stopReason === 'length' ? 'length' : toolCalls.length > 0 ? 'tool_calls' : 'stop';
  return {
    content: visible === '' && toolCalls.length > 0 ? null : visible,
    reasoning,
    toolCalls,
    finishReason,
    malformedToolCalls: malformed,
  };
}

/**
 * Handles both `<think>…</think>answer` and templates that open `<think>` in the generation prompt,
 * where the output starts inside the reasoning (`…</think>answer`). An unclosed `<think>` (the reply
 * ran out of tokens) is all reasoning.
 */
function splitReasoning(text: string): { reasoning: string | null; rest: string } {
  const close = text.indexOf(THINK_CLOSE);
  const open = text.indexOf(THINK_OPEN);
  if (close >= 0 && (open < 0 || open < close)) {
    const start = open >= 0 ? open + THINK_OPEN.length : 0;
    const before = open >= 0 ? text.slice(0, open) : '';
    const reasoning = text.slice(start, close).trim();
    return {
      reasoning: reasoning === '' ? null : reasoning,
      rest: before + text.slice(close + THINK_CLOSE.length),
    };
  }
  if (open >= 0) {
    const reasoning = text.slice(open + THINK_OPEN.length).trim();
    return { reasoning: reasoning === '' ? null : reasoning, rest: text.slice(0, open) };
  }
  return { reasoning: null, rest: text };
}

/** `{"name": "...", "arguments": {...}}`; arguments may also be a JSON string (some fine-tunes). */
function toolCallFrom(inner: string): { name: string; arguments: string } | null {
  let v: unknown;
  try {
    v = JSON.parse(inner.trim());
  } catch {
    return null;
  }
  if (!isObject(v) || typeof v.name !== 'string' || v.name === '') return null;
  const args = v.arguments ?? v.parameters ?? {};
  if (typeof args === 'string') {
    try {
      return isObject(JSON.parse(args)) ? { name: v.name, arguments: args } : null;
    } catch {
      return null;
    }
  }
  return isObject(args) ? { name: v.name, arguments: JSON.stringify(args) } : null;
}

function toolCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}
