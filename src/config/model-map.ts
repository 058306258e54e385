/**
 * `upstream.model_map`: the client's model name (exact, or a glob with `*`) → the upstream's.
 * Exact names win over globs; globs are tried in the file's order. No match keeps the client's
 * model (or `upstream.model` when that is set).
 */
export type ModelMap = Record<string, string>;

const compiled = new WeakMap<ModelMap, { exact: Map<string, string>; globs: [RegExp, string][] }>();

function compile(map: ModelMap) {
  let c = compiled.get(map);
  if (!c) {
    const exact = new Map<string, string>();
    const globs: [RegExp, string][] = [];
    for (const [from, to] of Object.entries(map)) {
      if (!from.includes('*')) exact.set(from, to);
      else {
        const re = from.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
        globs.push([new RegExp(`^${re.join('.*')}$`), to]);
      }
    }
    c = { exact, globs };
    compiled.set(map, c);
  }
  return c;
}

/** The upstream model for a client's model, or undefined when the map says nothing about it. */
export function mapModel(map: ModelMap | undefined, clientModel: unknown): string | undefined {
  if (!map || typeof clientModel !== 'string') return undefined;
  const c = compile(map);
  const hit = c.exact.get(clientModel);
  if (hit !== undefined) return hit;
  for (const [re, to] of c.globs) if (re.test(clientModel)) return to;
  return undefined;
}
