import { createHash } from 'node:crypto';
import type { JsonObject, WireProtocol } from '../protocol/types.js';

/**
 * The conversation as a list of items whose prefixes identify a session: the system prompt
 * (when any) followed by each message / input item, as the client sent them.
 */
export function conversationItems(protocol: WireProtocol, body: JsonObject): unknown[] {
  if (protocol === 'anthropic-messages') {
    const items: unknown[] = [];
    if (body.system !== undefined) items.push({ system: body.system });
    if (Array.isArray(body.messages)) items.push(...body.messages);
    return items;
  }
  if (protocol === 'openai-responses') {
    const items: unknown[] = [];
    if (typeof body.instructions === 'string') items.push({ instructions: body.instructions });
    if (typeof body.input === 'string') items.push({ role: 'user', content: body.input });
    else if (Array.isArray(body.input)) items.push(...body.input);
    return items;
  }
  return Array.isArray(body.messages) ? body.messages : [];
}

/**
 * Chained hashes: result[k] identifies items[0..k] (inclusive). A follow-up request of the same
 * conversation repeats the previous request's items, so it contains that request's final hash.
 */
export function chainedPrefixHashes(items: unknown[]): string[] {
  const out: string[] = [];
  let prev = '';
  for (const item of items) {
    prev = createHash('sha1')
      .update(prev)
      .update(JSON.stringify(item) ?? 'null')
      .digest('base64url');
    out.push(prev);
  }
  return out;
}
