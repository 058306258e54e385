import type { IncomingHttpHeaders } from 'node:http';
import { type AgentId, type AgentProfile, detectAgent } from './agents/index.js';
import type { JsonObject, WireProtocol } from './types.js';

/**
 * One protocol-neutral view of a request, built once per request and used by turn
 * classification, session inference, retrieval, injection and the judge's and evolver's view of
 * a turn — so no other module needs to know the wire protocols or the agents' scaffolding.
 */
export interface ConversationView {
  protocol: WireProtocol;
  agent: AgentId;
  /** The agent's standing instructions (system / developer messages, `system`, `instructions`). */
  system: string;
  /** The conversation after the system prompt, in order. */
  items: ViewItem[];
  /** The human's latest request: their words in the latest user turn that has any ('' = none). */
  request: string;
  /** Index into `items` of the message that holds those words (the last such of its turn); -1 = none. */
  requestItem: number;
  /** The words of every human turn, oldest first (the last one is `request`). */
  humanTurns: HumanTurn[];
  /** Assistant or tool items after the request: the agent is in a tool loop for it. */
  toolLoop: boolean;
  /**
   * The entries whose chained hashes identify the conversation: the system prompt, then every item
   * except ephemeral ones (scaffolding the agent sends on this call only and never keeps in its
   * history), so the next request of the same conversation repeats them exactly.
   */
  stable: unknown[];
  /** The agent's own session id for this call (header or body), when it sends one. */
  agentSessionId: string | null;
}

export interface ViewItem {
  role: 'user' | 'assistant' | 'tool';
  /** Index in the raw list: `messages`, or `input` for Responses (-1: a plain-string input). */
  at: number;
  /** Text as sent (text parts joined). */
  text: string;
  /** The human's words (user items: the agent's wrappers removed); the text for others. */
  words: string;
  /** Tool results, and the calls the assistant made (`[tool call] name(args)`). */
  toolText: string;
  ephemeral: boolean;
}

export interface HumanTurn {
  words: string;
  /** Index into `items` of the message the words end in (where per-turn context is attached). */
  item: number;
  /** Number of `stable` entries up to and including that message: the task's prefix. */
  stableLength: number;
}

export function buildView(
  protocol: WireProtocol,
  body: JsonObject,
  headers: IncomingHttpHeaders | null = null,
): ConversationView {
  const system = systemText(protocol, body);
  const agent = detectAgent({ headers, body, system });
  const raw = rawItems(protocol, body);
  const items: ViewItem[] = [];
  const stable: unknown[] = [];
  // The system prompt opens the stable prefix (Chat keeps it among the messages).
  if (protocol === 'anthropic-messages' && body.system !== undefined) stable.push({ system: body.system });
  if (protocol === 'openai-responses' && typeof body.instructions === 'string')
    stable.push({ instructions: body.instructions });
  const stableLengthAt: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const entry = raw[i];
    const item = toItem(protocol, entry, i, agent);
    // Everything but ephemeral scaffolding identifies the conversation (system messages, reasoning
    // items and the like included).
    if (item === 'system' || item === null || !item.ephemeral) stable.push(entry);
    if (item !== 'system' && item !== null) {
      items.push(item);
      stableLengthAt.push(stable.length);
    }
  }
  const humanTurns = groupHumanTurns(items, stableLengthAt);
  const last = humanTurns.at(-1);
  const requestItem = last ? last.item : -1;
  return {
    protocol,
    agent: agent.id,
    system,
    items,
    request: last?.words ?? '',
    requestItem,
    humanTurns,
    toolLoop: requestItem >= 0 && items.some((it, k) => k > requestItem && it.role !== 'user'),
    stable,
    agentSessionId: agent.sessionId({ headers, body, system }),
  };
}

/**
 * Consecutive user messages are one turn, as the providers treat them; a turn is the human's when
 * it holds any of their words (a turn of tool results or pure scaffolding is the agent's loop).
 */
function groupHumanTurns(items: ViewItem[], stableLengthAt: number[]): HumanTurn[] {
  const turns: HumanTurn[] = [];
  let i = 0;
  while (i < items.length) {
    if (items[i]!.role !== 'user') {
      i++;
      continue;
    }
    const words: string[] = [];
    let lastWithWords = -1;
    for (; i < items.length && items[i]!.role === 'user'; i++) {
      if (items[i]!.ephemeral || items[i]!.words === '') continue;
      words.push(items[i]!.words);
      lastWithWords = i;
    }
    if (lastWithWords >= 0)
      turns.push({
        words: words.join('\n'),
        item: lastWithWords,
        stableLength: stableLengthAt[lastWithWords]!,
      });
  }
  return turns;
}

function rawItems(protocol: WireProtocol, body: JsonObject): unknown[] {
  if (protocol === 'openai-responses') {
    const input = body.input;
    if (typeof input === 'string') return [{ role: 'user', content: input }];
    return Array.isArray(input) ? input : [];
  }
  return Array.isArray(body.messages) ? body.messages : [];
}

/** One raw message / input item as a view item; 'system' for instructions; null for the rest. */
function toItem(
  protocol: WireProtocol,
  entry: unknown,
  at: number,
  agent: AgentProfile,
): ViewItem | 'system' | null {
  if (!entry || typeof entry !== 'object') return null;
  const o = entry as JsonObject;
  const role = typeof o.role === 'string' ? o.role : '';
  if (role === 'system' || role === 'developer') return 'system';
  if (protocol === 'openai-responses' && role === '') return responsesToolItem(o, at);
  const text = textOf(o.content);
  if (role === 'tool' || role === 'function')
    return { role: 'tool', at, text: '', words: '', toolText: text, ephemeral: false };
  if (role === 'assistant') {
    return { role: 'assistant', at, text, words: text, toolText: toolCallsOf(protocol, o), ephemeral: false };
  }
  if (role !== 'user') return null;
  const ephemeral = text !== '' && agent.ephemeral(text);
  const words = ephemeral ? '' : humanWords(o.content, agent);
  return { role: 'user', at, text, words, toolText: toolResultsOf(o.content), ephemeral };
}

function responsesToolItem(o: JsonObject, at: number): ViewItem | null {
  const type = o.type;
  if (type === 'function_call' || type === 'custom_tool_call' || type === 'local_shell_call') {
    const args =
      typeof o.arguments === 'string'
        ? o.arguments
        : typeof o.input === 'string'
          ? o.input
          : JSON.stringify(o.action ?? {});
    return {
      role: 'assistant',
      at,
      text: '',
      words: '',
      toolText: `[tool call] ${String(o.name ?? type)}(${args})`,
      ephemeral: false,
    };
  }
  if (
    type === 'function_call_output' ||
    type === 'custom_tool_call_output' ||
    type === 'local_shell_call_output'
  ) {
    const out = typeof o.output === 'string' ? o.output : textOf(o.output);
    return { role: 'tool', at, text: '', words: '', toolText: out, ephemeral: false };
  }
  return null;
}

/** The human's words in a user message: each text part through the agent's filter. */
function humanWords(content: unknown, agent: AgentProfile): string {
  if (typeof content === 'string') return agent.humanText(content);
  if (!Array.isArray(content)) return '';
  const out: string[] = [];
  for (const p of content) {
    const o = (p ?? {}) as JsonObject;
    if (isTextPart(o)) {
      const w = agent.humanText(o.text as string);
      if (w) out.push(w);
    }
  }
  return out.join('\n');
}

function isTextPart(o: JsonObject): boolean {
  return (
    (o.type === 'text' || o.type === 'input_text' || o.type === 'output_text') && typeof o.text === 'string'
  );
}

/** Text parts of a content (string or parts / blocks); tool blocks excluded. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const out: string[] = [];
  for (const p of content) {
    const o = (p ?? {}) as JsonObject;
    if (isTextPart(o)) out.push(o.text as string);
  }
  return out.join('\n');
}

function toolResultsOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  const out: string[] = [];
  for (const p of content) {
    const o = (p ?? {}) as JsonObject;
    if (o.type === 'tool_result') out.push(typeof o.content === 'string' ? o.content : textOf(o.content));
  }
  return out.join('\n');
}

function toolCallsOf(protocol: WireProtocol, m: JsonObject): string {
  const out: string[] = [];
  if (protocol === 'anthropic-messages' && Array.isArray(m.content)) {
    for (const b of m.content as JsonObject[])
      if (b?.type === 'tool_use') out.push(`[tool call] ${String(b.name)}(${JSON.stringify(b.input ?? {})})`);
  }
  if (Array.isArray(m.tool_calls)) {
    for (const c of m.tool_calls as JsonObject[]) {
      const fn = (c?.function ?? {}) as JsonObject;
      out.push(`[tool call] ${String(fn.name)}(${typeof fn.arguments === 'string' ? fn.arguments : ''})`);
    }
  }
  return out.join('\n');
}

function systemText(protocol: WireProtocol, body: JsonObject): string {
  if (protocol === 'anthropic-messages') return textOf(body.system);
  const parts: string[] = [];
  if (protocol === 'openai-responses' && typeof body.instructions === 'string') parts.push(body.instructions);
  const list = protocol === 'openai-responses' ? body.input : body.messages;
  if (Array.isArray(list)) {
    for (const m of list as JsonObject[])
      if (m && (m.role === 'system' || m.role === 'developer')) parts.push(textOf(m.content));
  }
  return parts.join('\n');
}
