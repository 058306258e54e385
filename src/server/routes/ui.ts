import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route, RouteContext } from '../router.js';

/** dist/ui at the package root: three levels up from both src/server/routes and dist/server/routes. */
export function defaultUiRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/ui');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Nothing is loaded from elsewhere; blob: for benchmark plots fetched with the key.
const CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'";

/**
 * The dashboard's static files under /ui/. Public (a browser cannot send the key on navigation);
 * the API behind it keeps its auth. Any /ui/* path without an extension is index.html (client-side
 * routing); paths are checked segment by segment and resolved through realpath so neither `..`
 * nor a symlink leads outside the root.
 */
export function uiRoutes(opts: { root?: string } = {}): Route[] {
  const root = opts.root ?? defaultUiRoot();
  const handler = (ctx: RouteContext) => serve(root, ctx);
  const depths = ['/ui', '/ui/:a', '/ui/:a/:b', '/ui/:a/:b/:c', '/ui/:a/:b/:c/:d'];
  return depths.map((p) => ({
    method: 'GET' as const,
    path: p,
    auth: false,
    errorShape: 'openai' as const,
    handler,
  }));
}

function send(ctx: RouteContext, status: number, text: string, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : text);
}

function segments(pathname: string): string[] | null {
  const raw = pathname.split('/').slice(2); // drop '' and 'ui'
  const out: string[] = [];
  for (const s of raw) {
    if (s === '') continue;
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      return null;
    }
    if (d === '.' || d === '..' || d.startsWith('.') || /[/\\\0]/.test(d)) return null;
    out.push(d);
  }
  return out;
}

async function serve(root: string, ctx: RouteContext): Promise<void> {
  const { pathname } = ctx.url;
  if (pathname === '/ui') return send(ctx, 308, 'see /ui/\n', { location: '/ui/' });
  const segs = segments(pathname);
  if (!segs) return send(ctx, 400, 'bad path\n');
  const last = segs[segs.length - 1] ?? '';
  const isFile = path.extname(last) !== '';
  const rel = isFile ? segs : ['index.html'];
  let realRoot: string;
  try {
    realRoot = await fs.promises.realpath(root);
  } catch {
    return send(ctx, 503, 'the dashboard is not built: run `npm run build` (it writes dist/ui)\n');
  }
  let file: string;
  try {
    file = await fs.promises.realpath(path.join(realRoot, ...rel));
  } catch {
    return send(ctx, 404, 'not found\n');
  }
  if (!file.startsWith(realRoot + path.sep)) return send(ctx, 404, 'not found\n');
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat?.isFile()) return send(ctx, 404, 'not found\n');
  const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Vite names assets by content hash: they never change; index.html must be revalidated.
  const hashed = isFile && segs[0] === 'assets';
  ctx.res.writeHead(200, {
    'content-type': type,
    'content-length': stat.size,
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(type.startsWith('text/html')
      ? { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer' }
      : {}),
  });
  if (ctx.req.method === 'HEAD') {
    ctx.res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(file);
    stream.on('error', () => {
      ctx.res.destroy();
      resolve();
    });
    stream.on('end', () => resolve());
    stream.pipe(ctx.res);
  });
}
