import { z } from 'zod';

/** One edit the evolver proposes, as it arrives in its JSON reply. */
export const evolverOp = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('add'),
    name: z.string(),
    description: z.string(),
    body: z.string(),
    category: z.string().optional(),
  }),
  z.object({
    op: z.literal('update'),
    name: z.string(),
    description: z.string().optional(),
    body: z.string().optional(),
    reason: z.string().optional(),
  }),
  z.object({ op: z.literal('retire'), name: z.string(), reason: z.string().optional() }),
]);

export type EvolverOp = z.infer<typeof evolverOp>;

export interface ParsedEvolverReply {
  ops: EvolverOp[];
  /** Ops that were not well-formed, with why (kept for the evolution record). */
  invalid: { index: number; reason: string }[];
}

export class EvolverReplyError extends Error {
  readonly code = 'evolver_reply_invalid';
}

/**
 * Read `{"ops":[...]}` from the evolver's reply: bare JSON, JSON inside a ```json fence, or the
 * first balanced JSON object in prose. An empty list is a valid answer. Malformed ops are dropped
 * one by one (reported in `invalid`); a reply with no JSON object at all is an error.
 */
export function parseEvolverReply(text: string): ParsedEvolverReply {
  const json = extractJsonObject(text);
  if (json === null) throw new EvolverReplyError('the evolver reply holds no JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new EvolverReplyError(`the evolver reply is not valid JSON: ${(err as Error).message}`);
  }
  const rawOps = (parsed as { ops?: unknown })?.ops;
  if (!Array.isArray(rawOps)) throw new EvolverReplyError('the evolver reply has no "ops" array');
  const ops: EvolverOp[] = [];
  const invalid: { index: number; reason: string }[] = [];
  rawOps.forEach((raw, index) => {
    const r = evolverOp.safeParse(raw);
    if (r.success) ops.push(r.data);
    else
      invalid.push({
        index,
        reason: `${r.error.issues[0]!.path.join('.') || 'op'}: ${r.error.issues[0]!.message}`,
      });
  });
  return { ops, invalid };
}

function extractJsonObject(text: string): string | null {
  const fence = /```(?:json)?\s*\n([\s\S]*?)```/i.exec(text);
  if (fence) return fence[1]!.trim();
  const start = text.indexOf('{');
  if (start < 0) return null;
  // Scan for the matching brace, skipping strings, so prose after the object is ignored.
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return null;
}
