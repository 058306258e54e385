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
