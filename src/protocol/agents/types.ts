import type { IncomingHttpHeaders } from 'node:http';
import type { JsonObject } from '../types.js';

export type AgentId = 'openclaw' | 'claude-code' | 'codex' | 'generic';

/** What an agent profile sees of a request: headers may be absent (a stored turn has none). */
export interface AgentProbe {
  headers: IncomingHttpHeaders | null;
  body: JsonObject;
  /** The system text (Chat system/developer messages, Anthropic `system`, Responses `instructions`). */
  system: string;
}

/**
 * Everything MetaClaw knows about one agent's scaffolding, in one place: how to recognise its
 * requests, which parts of a user message are the agent's wrappers rather than the human's words,
 * which messages are ephemeral (sent on this call only, never kept in the agent's history), and
 * where it says which session a call belongs to.
 */
export interface AgentProfile {
  id: AgentId;
  /** True when the request comes from this agent. Cheap: headers first, then markers. */
  detect(p: AgentProbe): boolean;
  /**
   * The human's words in one user text part: wrappers removed, trimmed ('' when the part is all
   * scaffolding).
   */
  humanText(text: string): string;
  /** True for a message this agent adds to the latest request only (not kept in its history). */
  ephemeral(text: string): boolean;
  /** The agent's own session id for this call, when it sends one. */
  sessionId(p: AgentProbe): string | null;
  /** A housekeeping call recognisable from the agent's own markers; null = use the shared patterns. */
  side?(p: AgentProbe): boolean | null;
}

export function header(p: AgentProbe, name: string): string | null {
  const v = p.headers?.[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : null;
}

/** Remove every `<tag …>…</tag>` block (tag names are literal). */
export function stripTagged(text: string, tags: readonly string[]): string {
  let out = text;
  for (const t of tags) {
    if (!out.includes(`<${t}`)) continue;
    out = out.replace(new RegExp(`<${t}(?:\\s[^>]*)?>[\\s\\S]*?</${t}>`, 'g'), '');
  }
  return out;
}

/** A session id we accept from an agent: short, printable, no path or control characters. */
export function cleanId(v: string | null | undefined): string | null {
  if (!v) return null;
  const s = v.trim();
  return /^[A-Za-z0-9._:-]{1,128}$/.test(s) ? s : null;
}
