import type { JsonObject, WireProtocol } from '../protocol/types.js';
import type { ToolCallView } from './contract.js';

/**
 * The model's answer in a stored response: its text and its tool calls, for the three client
 * protocols. Streamed turns are stored as the assembled final message (the recorder's assembler),
 * so one reader per protocol covers streamed and plain turns alike. Error bodies give no answer.
 */
export function answerOf(
  protocol: WireProtocol,
  response: unknown,
): { text: string; tool_calls: ToolCallView[] } {
  if (!response || typeof response !== 'object' || Array.isArray(response)) return empty();
  const res = response as JsonObject;
  if (protocol === 'anthropic-messages') return anthropicAnswer(res);
  if (protocol === 'openai-responses') return responsesAnswer(res);
  return chatAnswer(res);
}

const empty = () => ({ text: '', tool_calls: [] as ToolCallView[] });

function chatAnswer(res: JsonObject) {
  const choices = Array.isArray(res.choices) ? (res.choices as JsonObject[]) : [];
  const msg = (choices[0]?.message ?? {}) as JsonObject;
  const calls: ToolCallView[] = [];
  for (const c of Array.isArray(msg.tool_calls) ? (msg.tool_calls as JsonObject[]) : []) {
    const fn = (c?.function ?? {}) as JsonObject;
    calls.push({ name: String(fn.name ?? c?.type ?? 'tool'), arguments: argText(fn.arguments) });
  }
  // The pre-tools API shape, still sent by some servers.
  const legacy = msg.function_call as JsonObject | undefined;
  if (legacy && typeof legacy === 'object')
    calls.push({ name: String(legacy.name ?? 'function'), arguments: argText(legacy.arguments) });
  return { text: partsText(msg.content), tool_calls: calls };
}

function anthropicAnswer(res: JsonObject) {
  const blocks = Array.isArray(res.content) ? (res.content as JsonObject[]) : [];
  const text: string[] = [];
  const calls: ToolCallView[] = [];
  for (const b of blocks) {
    if (b?.type === 'text' && typeof b.text === 'string') text.push(b.text);
    else if (b?.type === 'tool_use' || b?.type === 'server_tool_use')
      calls.push({ name: String(b.name ?? 'tool'), arguments: argText(b.input ?? {}) });
  }
  return { text: text.join('\n'), tool_calls: calls };
}

function responsesAnswer(res: JsonObject) {
  const output = Array.isArray(res.output) ? (res.output as JsonObject[]) : [];
  const text: string[] = [];
  const calls: ToolCallView[] = [];
  for (const o of output) {
    if (o?.type === 'message') {
      const t = partsText(o.content);
      if (t) text.push(t);
    } else if (o?.type === 'function_call') {
      calls.push({ name: String(o.name ?? 'function'), arguments: argText(o.arguments) });
    } else if (o?.type === 'custom_tool_call') {
      calls.push({ name: String(o.name ?? 'tool'), arguments: argText(o.input) });
    } else if (o?.type === 'local_shell_call') {
      calls.push({ name: 'local_shell', arguments: argText(o.action ?? {}) });
    }
  }
  return { text: text.join('\n'), tool_calls: calls };
}

/** Arguments as the model sent them: a string stays as is, an object (Anthropic `input`) becomes JSON. */
function argText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return JSON.stringify(v);
}

/** A string content, or the text of its parts (`text`, `output_text`; refusals too). */
function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const out: string[] = [];
  for (const p of content as JsonObject[]) {
    if (typeof p?.text === 'string') out.push(p.text);
    else if (typeof p?.refusal === 'string') out.push(p.refusal);
  }
  return out.join('\n');
}
