import type { ConversationView } from '../protocol/view.js';
import type { LexicalQuery } from './lexical.js';

/**
 * The retrieval query for one request: the human's latest request (their words, the agent's
 * wrappers removed) at full weight, plus their few earlier requests as context. The system prompt,
 * the agent's scaffolding and tool output are left out: they are the same on every call (or noise)
 * and would pull the same generic skills every time.
 */
const PRIMARY_CHARS = 2000;
const CONTEXT_CHARS = 500;

export function extractQuery(view: ConversationView, contextMessages: number): LexicalQuery {
  const turns = view.humanTurns;
  const primary = view.request.slice(0, PRIMARY_CHARS);
  const context: string[] = [];
  for (let i = turns.length - 2; i >= 0 && context.length < contextMessages; i--)
    context.push(turns[i]!.words.slice(0, CONTEXT_CHARS));
  return { primary, context: context.join('\n') };
}
