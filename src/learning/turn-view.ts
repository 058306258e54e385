import type { JsonObject, WireProtocol } from '../protocol/types.js';
import type { TurnRecord } from '../store/turns.js';

/** A protocol-neutral, compact view of one turn for the judge and the evolver. */
export interface TurnView {
  turnId: string;
  sessionId: string;
  /** The agent's standing instructions (system prompt), shortened. */
  system: string;
  /** The last few conversation items before the response, oldest first, shortened. */
  context: string[];
  /** What the user (or the tools) asked for last. */
  task: string;
  /** The assistant's answer: text and tool calls. */
  response: string;
  libraryGeneration: number;
}

/** What happened after the response: the user's follow-up or tool results, or the session's end. */
export interface NextState {
  text: string;
  kind: 'follow-up' | 'session-end';
}

const MAX_SYSTEM = 1500;
const MAX_ITEM = 1200;
const MAX_RESPONSE = 4000;
const CONTEXT_ITEMS = 6;

export function turnView(turn: TurnRecord): TurnView {
  const req = JSON.parse(turn.requestJson) as JsonObject;
  const items = conversation(turn.protocol, req);
  const lastAssistant = items.map((i) => i.role).lastIndexOf('assistant');
  const tail = items.slice(lastAssistant + 1);
  const task =
    tail.map((i) => `${i.role}: ${i.text}`).join('\n') ||
    (items.at(-1) ? `${items.at(-1)!.role}: ${items.at(-1)!.text}` : '');
  const before = items.slice(Math.max(0, lastAssistant + 1 - CONTEXT_ITEMS), lastAssistant + 1);
  return {
    turnId: turn.id,
    sessionId: turn.sessionId,
    system: clip(systemOf(turn.protocol, req), MAX_SYSTEM),
    context: before.map((i) => clip(`${i.role}: ${i.text}`, MAX_ITEM)),
    task: clip(task, MAX_ITEM * 3),
    response: clip(
      turn.responseJson ? responseText(turn.protocol, JSON.parse(turn.responseJson) as JsonObject) : '',
      MAX_RESPONSE,
    ),
    libraryGeneration: turn.libraryGeneration,
  };
}

/** The new items a follow-up request adds after the previous turn's answer. */
export function nextStateFrom(next: TurnRecord): NextState {
  const items = conversation(next.protocol, JSON.parse(next.requestJson) as JsonObject);
  const lastAssistant = items.map((i) => i.role).lastIndexOf('assistant');
  const added = items.slice(lastAssistant + 1);
  return { kind: 'follow-up', text: clip(added.map((i) => `${i.role}: ${i.text}`).join('\n'), MAX_ITEM * 3) };
}

export const SESSION_END: NextState = {
  kind: 'session-end',
  text: '(the session ended after this response)',
};

interface Item {
  role: string;
  text: string;
}

function conversation(protocol: WireProtocol, req: JsonObject): Item[] {
  if (protocol === 'openai-responses') {
    const input = req.input;
    if (typeof input === 'string') return [{ role: 'user', text: input }];
    return (Array.isArray(input) ? (input as JsonObject[]) : []).map(responsesItem);
  }
  const msgs = Array.isArray(req.messages) ? (req.messages as JsonObject[]) : [];
  const out: Item[] = [];
  for (const m of msgs) {
    if (!m || typeof m !== 'object') continue;
    const role = String(m.role ?? '');
    if (role === 'system' || role === 'developer') continue;
    if (protocol === 'anthropic-messages' && Array.isArray(m.content)) {
      // Tool results ride in user messages: show them as tool output.
      const blocks = m.content as JsonObject[];
      const results = blocks.filter((b) => b?.type === 'tool_result');
      const rest = blocks.filter((b) => b?.type !== 'tool_result');
      for (const r of results) out.push({ role: 'tool', text: contentText(r.content) });
      const text = blocksText(rest);
      if (text) out.push({ role, text });
      continue;
    }
    let text = contentText(m.content);
    const calls = Array.isArray(m.tool_calls) ? (m.tool_calls as JsonObject[]) : [];
    if (calls.length > 0) text = [text, ...calls.map(openAIToolCall)].filter(Boolean).join('\n');
    out.push({ role: role === 'function' ? 'tool' : role, text });
  }
  return out;
}

function responsesItem(item: JsonObject): Item {
  if (item.type === 'function_call')
    return { role: 'assistant', text: `[tool call] ${item.name}(${item.arguments})` };
  if (item.type === 'function_call_output') return { role: 'tool', text: String(item.output ?? '') };
  return { role: String(item.role ?? 'user'), text: contentText(item.content) };
}

function systemOf(protocol: WireProtocol, req: JsonObject): string {
  if (protocol === 'anthropic-messages') return contentText(req.system);
  if (protocol === 'openai-responses') return typeof req.instructions === 'string' ? req.instructions : '';
  const msgs = Array.isArray(req.messages) ? (req.messages as JsonObject[]) : [];
  return msgs
    .filter((m) => m?.role === 'system' || m?.role === 'developer')
    .map((m) => contentText(m.content))
    .join('\n');
}

/** Text and tool calls of a stored response, whatever its protocol. */
export function responseText(protocol: WireProtocol, res: JsonObject): string {
  if (protocol === 'anthropic-messages') return blocksText((res.content as JsonObject[]) ?? []);
  if (protocol === 'openai-responses') {
    const output = Array.isArray(res.output) ? (res.output as JsonObject[]) : [];
    return output
      .map((o) =>
        o.type === 'function_call'
          ? `[tool call] ${o.name}(${o.arguments})`
          : o.type === 'message'
            ? contentText(o.content)
            : '',
      )
      .filter(Boolean)
      .join('\n');
  }
  const msg = ((res.choices as JsonObject[] | undefined)?.[0]?.message ?? {}) as JsonObject;
  const calls = Array.isArray(msg.tool_calls) ? (msg.tool_calls as JsonObject[]) : [];
  return [contentText(msg.content), ...calls.map(openAIToolCall)].filter(Boolean).join('\n');
}

function openAIToolCall(c: JsonObject): string {
  const fn = (c.function ?? {}) as JsonObject;
  return `[tool call] ${fn.name}(${fn.arguments ?? ''})`;
}

function blocksText(blocks: JsonObject[]): string {
  return blocks
    .map((b) => {
      if (b?.type === 'text') return String(b.text ?? '');
      if (b?.type === 'tool_use') return `[tool call] ${b.name}(${JSON.stringify(b.input ?? {})})`;
      if (b?.type === 'tool_result') return `[tool result] ${contentText(b.content)}`;
      return '';
    })
    .filter(Boolean)
    .join('\n');
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return (content as JsonObject[])
      .map((p) =>
        typeof p?.text === 'string' ? p.text : p?.type === 'tool_result' ? contentText(p.content) : '',
      )
      .filter(Boolean)
      .join('\n');
  }
  return '';
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 20)}… [${s.length - max + 20} more chars]`;
}
