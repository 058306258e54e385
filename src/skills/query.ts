import type { JsonObject, WireProtocol } from '../protocol/types.js';
import type { LexicalQuery } from './lexical.js';

/**
 * The retrieval query for one upstream request: the latest user request (full weight) plus a
 * little recent context. The agent's own system prompt is left out: it is long, the same on every
 * call, and would pull the same skills every time.
 */

const PRIMARY_CHARS = 2000;
const CONTEXT_CHARS = 500;

export function extractQuery(
  protocol: WireProtocol,
  body: JsonObject,
  contextMessages: number,
): LexicalQuery {
  const items = conversation(protocol, body);
  let primaryAt = -1;
  for (let i = items.length - 1; i >= 0; i--) {
    const m = items[i]!;
    // An Anthropic user turn holding only tool results is the agent's loop, not a user request.
    if (m.role === 'user' && m.text.trim() !== '') {
      primaryAt = i;
      break;
    }
  }
  const primary = primaryAt >= 0 ? items[primaryAt]!.text.slice(0, PRIMARY_CHARS) : '';
  const context: string[] = [];
  for (let i = items.length - 1; i >= 0 && context.length < contextMessages; i--) {
    if (i === primaryAt) continue;
    const t = items[i]!.text || items[i]!.toolText;
    if (t.trim()) context.push(t.slice(0, CONTEXT_CHARS));
  }
  return { primary, context: context.join('\n') };
}

interface Item {
  role: string;
  /** Text the speaker wrote (user/assistant text parts). */
  text: string;
  /** Tool results and tool-call arguments, used only as context. */
  toolText: string;
}

function conversation(protocol: WireProtocol, body: JsonObject): Item[] {
  if (protocol === 'openai-responses') {
    const input = body.input;
    if (typeof input === 'string') return [{ role: 'user', text: input, toolText: '' }];
    if (!Array.isArray(input)) return [];
    return input.map((it) => {
      const o = (it ?? {}) as JsonObject;
      if (typeof o.role === 'string') return { role: o.role, text: partsText(o.content), toolText: '' };
      return {
        role: 'tool',
        text: '',
        toolText:
          typeof o.output === 'string' ? o.output : typeof o.arguments === 'string' ? o.arguments : '',
      };
    });
  }
  const msgs = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  return msgs.map((m) => {
    const o = (m ?? {}) as JsonObject;
    const role = typeof o.role === 'string' ? o.role : '';
    if (role === 'tool') return { role, text: '', toolText: partsText(o.content) };
    return { role, text: partsText(o.content), toolText: toolText(o.content) };
  });
}

/** Text parts of a message content (string or parts/blocks), tool blocks excluded. */
function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const out: string[] = [];
  for (const p of content) {
    const o = (p ?? {}) as JsonObject;
    if (
      (o.type === 'text' || o.type === 'input_text' || o.type === 'output_text') &&
      typeof o.text === 'string'
    )
      out.push(o.text);
  }
  return out.join('\n');
}

function toolText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  const out: string[] = [];
  for (const p of content) {
    const o = (p ?? {}) as JsonObject;
    if (o.type === 'tool_result') out.push(typeof o.content === 'string' ? o.content : partsText(o.content));
  }
  return out.join('\n');
}
