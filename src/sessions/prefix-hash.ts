import crypto from 'node:crypto';

/**
 * Chained hashes over a conversation's stable entries (`ConversationView.stable`): result[k] identifies items[0..k] (inclusive). A follow-up request of the same
 * conversation repeats the previous request's items, so it contains that request's final hash.
 */
export function chainedPrefixHashes(items: unknown[]): string[] {
  const out: string[] = [];
  let prev = '';
  for (const item of items) {
    prev = sha1(prev + itemKey(item));
    out.push(prev);
  }
  return out;
}

/**
 * An item's identity as hashed. Most items are plain `{role, content: "text"}` messages: for
 * them role and text joined by a NUL, which skips a JSON.stringify per item (half the hashing
 * cost). Anything else is its JSON. The two cannot meet: JSON escapes NUL, so only these keys
 * contain one.
 */
function itemKey(item: unknown): string {
  if (typeof item === 'object' && item !== null) {
    const m = item as { role?: unknown; content?: unknown };
    if (typeof m.role === 'string' && !m.role.includes('\u0000')) {
      let fields = 0;
      for (const _ in m) fields++;
      const text = typeof m.content === 'string' ? m.content : soleText(m.content);
      if (fields === 2 && text !== null) return `${m.role}\u0000${text}`;
    }
  }
  return JSON.stringify(item, withoutCacheControl) ?? 'null';
}

/**
 * The text of a content that is one text block (a `cache_control` mark aside): the same message as
 * a plain string. Claude Code sends its newest user message as `[{type: 'text', text, cache_control}]`
 * and the same message later in its history as a string.
 */
function soleText(content: unknown): string | null {
  if (!Array.isArray(content) || content.length !== 1) return null;
  const b = content[0] as { type?: unknown; text?: unknown } | null;
  if (b?.type !== 'text' || typeof b.text !== 'string') return null;
  for (const k in b) if (k !== 'type' && k !== 'text' && k !== 'cache_control') return null;
  return b.text;
}

/**
 * Agents move `cache_control` breakpoints between calls (Claude Code marks the newest message), so
 * the same history item would hash differently from one request to the next without this.
 */
function withoutCacheControl(key: string, value: unknown): unknown {
  return key === 'cache_control' ? undefined : value;
}

/** One-shot crypto.hash (Node ≥ 20.12) skips a Hash object per item; same digest either way. */
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'base64url') => string }).hash;
const sha1 = oneShot
  ? (data: string) => oneShot('sha1', data, 'base64url')
  : (data: string) => crypto.createHash('sha1').update(data).digest('base64url');
