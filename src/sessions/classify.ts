import type { ConversationView } from '../protocol/view.js';
import type { TurnKind } from '../store/turns.js';

/**
 * Side calls are the agent's housekeeping (titles, summaries, topic checks, compaction): they are
 * recorded but get no skills and are not judged. Matched against the system prompt and the human's
 * latest request (the agent's own wrappers removed, so its scaffolding never decides); everything
 * else is a main turn.
 */
const SIDE_PATTERNS: RegExp[] = [
  // A title *for the conversation* ("Write a function that formats a title" is work).
  /\b(generate|write|create|suggest)\b.{0,40}\btitle\b.{0,80}\b(conversation|chat|session|thread|topic)\b/i,
  /\btitle\b.{0,40}\b(for|of) (this|the) (conversation|chat|session)\b/i,
  // Claude Code's session names ("a short kebab-case name … main topic of this conversation").
  /\b(generate|write|create|suggest)\b.{0,40}\bname\b.{0,80}\btopic of (this|the) (conversation|chat|session)\b/i,
  // Compaction and recaps ("Summarize this portion of a Claude Code session transcript").
  /\bsummari[sz]e (this|the) (\S+ ){0,5}(conversation|chat|session|transcript)\b/i,
  /\b(conversation|chat) summary\b/i,
  /\bsummary label\b/i,
  /\bnew conversation topic\b/i,
  /\bcompact(ion)? (the|this) (conversation|context)\b/i,
  /^quota$/im,
];

export function classifyTurn(view: ConversationView, header: string | undefined): TurnKind {
  const h = header?.trim().toLowerCase();
  if (h === 'main' || h === 'side') return h;
  const probe = `${view.system.slice(0, 2000)}\n${lastUserText(view).slice(0, 2000)}`;
  return SIDE_PATTERNS.some((p) => p.test(probe)) ? 'side' : 'main';
}

/** The human's latest words, or failing that the latest user text as sent. */
function lastUserText(view: ConversationView): string {
  if (view.request) return view.request;
  for (let i = view.items.length - 1; i >= 0; i--) {
    const it = view.items[i]!;
    if (it.role === 'user' && it.text) return it.text;
  }
  return '';
}
