import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { headerValue } from './http-util.js';

/** The key a client presented: `Authorization: Bearer …` (OpenAI, Anthropic auth-token) or `x-api-key`. */
export function presentedKey(req: IncomingMessage): string | undefined {
  const auth = headerValue(req, 'authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  return headerValue(req, 'x-api-key')?.trim();
}

export function keyMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
