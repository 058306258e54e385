import type { JsonObject, WireProtocol } from '../protocol/types.js';
import type { TurnKind } from '../store/turns.js';

/**
 * Side calls are the agent's housekeeping (titles, summaries, topic checks, compaction): they are
 * recorded but get no skills and are not judged. Matched against the system prompt and the last
 * user message; everything else is a main turn.
 */
const SIDE_PATTERNS: RegExp[] = [
  /\b(generate|write|create|suggest)\b.{0,40}\btitle\b/i,
  /\btitle\b.{0,40}\b(for|of) (this|the) (conversation|chat|session)\b/i,
  /\bsummari[sz]e (this|the) (conversation|chat|session)\b/i,
  /\b(conversation|chat) summary\b/i,
  /\bnew conversation topic\b/i,
  /\bcompact(ion)? (the|this) (conversation|context)\b/i,
  /^quota$/i,
];

export function classifyTurn(protocol: WireProtocol, body: JsonObject, header: string | undefined): TurnKind {
  const h = header?.trim().toLowerCase();
  if (h === 'main' || h === 'side') return h;
  const probe = `${systemText(protocol, body).slice(0, 2000)}\n${lastUserText(protocol, body).slice(0, 2000)}`;
  return SIDE_PATTERNS.some((p) => p.test(probe)) ? 'side' : 'main';
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) =>
        p && typeof p === 'object' && typeof (p as JsonObject).text === 'string'
          ? (p as JsonObject).text
          : '',
      )
      .join('\n');
  }
  return '';
}

export function systemText(protocol: WireProtocol, body: JsonObject): string {
  if (protocol === 'anthropic-messages') return textOf(body.system);
  if (protocol === 'openai-responses') return typeof body.instructions === 'string' ? body.instructions : '';
  const msgs = Array.isArray(body.messages) ? (body.messages as JsonObject[]) : [];
  return msgs
    .filter((m) => m && (m.role === 'system' || m.role === 'developer'))
    .map((m) => textOf(m.content))
    .join('\n');
}

export function lastUserText(protocol: WireProtocol, body: JsonObject): string {
  const list = protocol === 'openai-responses' ? body.input : body.messages;
  if (typeof list === 'string') return list;
  if (!Array.isArray(list)) return '';
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i] as JsonObject;
    if (m && m.role === 'user') {
      const t = textOf(m.content);
      if (t) return t;
    }
  }
  return '';
}
