import type { IncomingMessage, ServerResponse } from 'node:http';

/** How errors on a route are shaped for its clients. */
export type ErrorShape = 'openai' | 'anthropic';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'HEAD' | 'DELETE' | 'PUT';
  /** Literal segments and `:name` parameters, e.g. `/v1/admin/sessions/:id`. */
  path: string;
  handler: (ctx: RouteContext) => Promise<void> | void;
  /** `/v1/*` routes require the proxy key when one is configured; health routes do not. */
  auth: boolean;
  /**
   * Also accept the key as `?key=` (only where a browser API cannot send headers: EventSource for
   * /v1/admin/events). Headers still work; other routes never read the query for a key.
   */
  queryKey?: boolean;
  errorShape: ErrorShape;
}

interface CompiledRoute extends Route {
  segments: string[];
}

export type RouteMatch = { route: Route; params: Record<string, string> } | { methodNotAllowed: true } | null;

/** A tiny exact-segment router: the proxy has a dozen routes, matched in microseconds. */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(...routes: Route[]): this {
    for (const r of routes) this.routes.push({ ...r, segments: split(r.path) });
    return this;
  }

  match(method: string, pathname: string): RouteMatch {
    const parts = split(pathname);
    let pathMatched = false;
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (!params) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, params };
      pathMatched = true;
    }
    return pathMatched ? { methodNotAllowed: true } : null;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        return null;
      }
    } else if (p !== v) return null;
  }
  return params;
}
