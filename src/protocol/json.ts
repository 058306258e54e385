import type { JsonObject } from './types.js';

/** Small readers for untrusted-but-validated JSON; they never throw. */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function obj(v: unknown): JsonObject {
  return isObject(v) ? v : {};
}

/** Objects inside an array, skipping anything that is not an object. */
export function objects(v: unknown): JsonObject[] {
  return arr(v).filter(isObject);
}

/** Parse a JSON object, or `undefined` when the text is not one (tool arguments are model output). */
export function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Describe a JSON value's kind for error messages: "a number", "null", "an array". */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'undefined') return 'nothing';
  return `a ${typeof v}`;
}

/** Deepest nesting a request may have; real tool schemas stay well below it. */
export const MAX_JSON_DEPTH = 128;

/**
 * Where `v` nests deeper than `max` (e.g. `messages[0].role`), or null. Iterative: a recursive
 * walk, JSON.stringify or a schema check on 10,000 levels overflows the stack.
 */
export function tooDeepAt(v: unknown, max = MAX_JSON_DEPTH): string | null {
  const stack: { v: unknown; depth: number; path: string }[] = [{ v, depth: 0, path: '' }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (typeof top.v !== 'object' || top.v === null) continue;
    if (top.depth >= max) return fieldOf(top.path);
    if (Array.isArray(top.v)) {
      for (let i = 0; i < top.v.length; i++)
        stack.push({ v: top.v[i], depth: top.depth + 1, path: `${top.path}[${i}]` });
    } else {
      for (const [k, child] of Object.entries(top.v))
        stack.push({ v: child, depth: top.depth + 1, path: top.path ? `${top.path}.${k}` : k });
    }
  }
  return null;
}

/** The named field a deep path runs through: `messages[0].role[0][0]…` → `messages[0].role`, kept short. */
function fieldOf(path: string): string {
  const field = path.replace(/(\[\d+\])+$/, '') || path || '(body)';
  return field.length > 100 ? `${field.slice(0, 100)}…` : field;
}

/** A short rendering of a client's value for an error message: never echoes a large value. */
export function preview(v: unknown, max = 40): string {
  if (typeof v === 'string') return JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return kindOf(v);
}
