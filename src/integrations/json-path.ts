import { isDeepStrictEqual } from 'node:util';

/** A value as it was before MetaClaw touched it: absent, or present with this value. */
export type Prev = { present: false } | { present: true; value: unknown };

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function getPath(obj: JsonObject, path: readonly string[]): Prev {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isObject(cur) || !Object.hasOwn(cur, key)) return { present: false };
    cur = cur[key];
  }
  return { present: true, value: cur };
}

/**
 * Set a value, creating missing parent objects. Returns the paths of the containers it created,
 * so that removal can delete exactly those (and nothing the user made) once they are empty.
 * Throws when a parent exists but is not an object: overwriting it would destroy user data.
 */
export function setPath(obj: JsonObject, path: readonly string[], value: unknown): string[][] {
  const created: string[][] = [];
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    if (!Object.hasOwn(cur, key)) {
      cur[key] = {};
      created.push(path.slice(0, i + 1));
    }
    const next = cur[key];
    if (!isObject(next)) throw new Error(`${path.slice(0, i + 1).join('.')} is not an object`);
    cur = next;
  }
  cur[path.at(-1)!] = value;
  return created;
}

export function deletePath(obj: JsonObject, path: readonly string[]): void {
  const parent = getPath(obj, path.slice(0, -1));
  if (parent.present && isObject(parent.value)) delete parent.value[path.at(-1)!];
}

/** Put a remembered value back: set it, or delete the key when it was absent. */
export function restorePath(obj: JsonObject, path: readonly string[], prev: Prev): void {
  if (prev.present) setPath(obj, path, prev.value);
  else deletePath(obj, path);
}

/** Delete containers we created when they are empty now, deepest first. */
export function pruneCreated(obj: JsonObject, created: readonly (readonly string[])[]): void {
  const byDepth = [...created].sort((a, b) => b.length - a.length);
  for (const path of byDepth) {
    const v = getPath(obj, path);
    if (v.present && isObject(v.value) && Object.keys(v.value).length === 0) deletePath(obj, path);
  }
}

export const deepEqual = isDeepStrictEqual;

/**
 * What to remember as "previous" when (re-)installing: on a re-install, a value that still equals
 * what we wrote last time is ours, so the remembered original stays; anything else is the user's
 * current choice and becomes the value to restore.
 */
export function previousFor(current: Prev, last: { previous: Prev; written: unknown } | undefined): Prev {
  if (last && current.present && deepEqual(current.value, last.written)) return last.previous;
  return current;
}

/** Two-space JSON with a final newline: the layout OpenClaw and Claude Code write themselves. */
export function detectIndent(text: string): string | number {
  const m = /\n([ \t]+)\S/.exec(text);
  if (!m) return 2;
  return m[1]!.startsWith('\t') ? '\t' : m[1]!.length;
}

export function stringifyLike(original: string | null, value: unknown): string {
  const indent = original ? detectIndent(original) : 2;
  const eol = original?.includes('\r\n') ? '\r\n' : '\n';
  const body = JSON.stringify(value, null, indent).replace(/\n/g, eol);
  const finalNewline = original === null || /\r?\n$/.test(original);
  return finalNewline ? body + eol : body;
}
