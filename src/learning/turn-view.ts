import type { JsonObject, WireProtocol } from '../protocol/types.js';
import { buildView, type ViewItem } from '../protocol/view.js';
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
  const view = buildView(turn.protocol, JSON.parse(turn.requestJson) as JsonObject);
  const items = view.items.filter((i) => !i.ephemeral).map(show);
  // The task: the human's request and the agent's work on it since (tool calls, results).
  const requestAt =
    view.requestItem >= 0 ? view.items.filter((i, k) => k < view.requestItem && !i.ephemeral).length : -1;
  const start = requestAt >= 0 ? requestAt : Math.max(0, items.length - 1);
  const task = items.slice(start).map(line).join('\n');
  const before = items.slice(Math.max(0, start - CONTEXT_ITEMS), start);
  return {
    turnId: turn.id,
    sessionId: turn.sessionId,
    system: clip(view.system, MAX_SYSTEM),
    context: before.map((i) => clip(line(i), MAX_ITEM)),
    task: clip(task, MAX_ITEM * 3),
    response: clip(
      turn.responseJson ? responseText(turn.protocol, JSON.parse(turn.responseJson) as JsonObject) : '',
      MAX_RESPONSE,
    ),
    libraryGeneration: turn.libraryGeneration,
  };
}

/** The new items a follow-up request adds after the previous turn's answer (agent scaffolding left out). */
export function nextStateFrom(next: TurnRecord): NextState {
  const view = buildView(next.protocol, JSON.parse(next.requestJson) as JsonObject);
  const items = view.items.filter((i) => !i.ephemeral).map(show);
  const lastAssistant = items.map((i) => i.role).lastIndexOf('assistant');
  const added = items.slice(lastAssistant + 1).filter((i) => i.text !== '');
  return { kind: 'follow-up', text: clip(added.map(line).join('\n'), MAX_ITEM * 3) };
}

export const SESSION_END: NextState = {
  kind: 'session-end',
  text: '(the session ended after this response)',
};

interface Shown {
  role: string;
  text: string;
}

/** A view item as the judge reads it: the human's words, the assistant's text and calls, tool output. */
function show(i: ViewItem): Shown {
  if (i.role === 'user') {
    const parts = [i.toolText && `[tool result] ${i.toolText}`, i.words].filter(Boolean);
    return { role: i.words ? 'user' : 'tool', text: parts.join('\n') };
  }
  if (i.role === 'assistant')
    return { role: 'assistant', text: [i.text, i.toolText].filter(Boolean).join('\n') };
  return { role: 'tool', text: i.toolText };
}

const line = (i: Shown) => `${i.role}: ${i.text}`;

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
