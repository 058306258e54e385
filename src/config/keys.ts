import { configSchema } from './schema.js';

/** A zod 4 schema node, as far as walking the config's shape needs it. */
interface Node {
  _zod: { def: { type: string; innerType?: Node; in?: Node; shape?: Record<string, Node> } };
}

/** The object schema under wrappers (default, optional, nullable, pipe); null when not an object. */
function objectShape(node: Node): Record<string, Node> | null {
  let cur: Node | undefined = node;
  for (let i = 0; cur && i < 10; i++) {
    const def: Node['_zod']['def'] = cur._zod.def;
    if (def.type === 'object') return def.shape ?? null;
    cur = def.innerType ?? def.in;
  }
  return null;
}

let cached: { all: Set<string>; leaves: string[]; maps: string[] } | null = null;

/** True for a record (`upstream.model_map`): any sub-key under it is the user's own. */
function isRecord(node: Node): boolean {
  let cur: Node | undefined = node;
  for (let i = 0; cur && i < 10; i++) {
    if (cur._zod.def.type === 'record') return true;
    cur = cur._zod.def.innerType ?? cur._zod.def.in;
  }
  return false;
}

/** Every dotted key the config file accepts: sections (`judge`) and values (`judge.model`). */
function knownKeys(): { all: Set<string>; leaves: string[]; maps: string[] } {
  if (cached) return cached;
  const all = new Set<string>();
  const leaves: string[] = [];
  const maps: string[] = [];
  const walk = (node: Node, prefix: string) => {
    const shape = objectShape(node);
    if (!shape) {
      leaves.push(prefix);
      if (isRecord(node)) maps.push(prefix);
      return;
    }
    for (const [k, child] of Object.entries(shape)) {
      const key = prefix ? `${prefix}.${k}` : k;
      all.add(key);
      walk(child, key);
    }
  };
  walk(configSchema as unknown as Node, '');
  cached = { all, leaves, maps };
  return cached;
}

/** True when the config has this key (a section or a value). */
export function isKnownKey(key: string): boolean {
  const k = knownKeys();
  return k.all.has(key) || k.maps.some((m) => key.startsWith(`${m}.`));
}

/** Every settable value key, e.g. `judge.model`. */
export function valueKeys(): readonly string[] {
  return knownKeys().leaves;
}

/** The known key closest to a mistyped one, or null when nothing is close. */
export function suggestKey(key: string): string | null {
  const lower = key.toLowerCase().replace(/[-\s]/g, '_');
  let best: string | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const known of knownKeys().all) {
    let d = distance(lower, known);
    // `judge_model`, `model` under the wrong section: the last word alone still counts.
    const tail = known.slice(known.lastIndexOf('.') + 1);
    const typedTail = lower.slice(lower.search(/[^.]*$/));
    if (lower.replace(/_/g, '.') === known) d = 0;
    else if (tail === typedTail && lower.includes(known.split('.')[0]!)) d = Math.min(d, 1);
    if (d < bestScore) {
      bestScore = d;
      best = known;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 4));
  return best !== null && bestScore <= limit ? best : null;
}

/** `unknown key X` plus a suggestion when one is close. */
export function unknownKeyMessage(key: string): string {
  const s = suggestKey(key);
  return `unknown key ${key}${s ? ` — did you mean \`${s}\`?` : ''}`;
}

/** Levenshtein distance (keys and model names are short). */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * A dotted key as a path. Under a map (`upstream.model_map.gpt-4.1`) the rest is one entry name,
 * dots included, since model names have dots.
 */
export function keyPath(key: string): string[] {
  const map = knownKeys().maps.find((m) => key.startsWith(`${m}.`));
  return map ? [...map.split('.'), key.slice(map.length + 1)] : key.split('.');
}
