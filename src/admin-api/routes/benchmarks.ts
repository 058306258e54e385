import fs from 'node:fs';
import path from 'node:path';
import { HttpError, sendJson } from '../../server/http-util.js';
import type { Route } from '../../server/router.js';
import type { BenchmarkRun, ListResponse } from '../contract.js';
import type { AdminApiDeps } from '../deps.js';
import { pageParams } from './input.js';

/** report.json and plots are written by `metaclaw bench`; anything this large is not one of them. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;
const MAX_PLOT_BYTES = 8 * 1024 * 1024;
const PLOT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*\.svg$/;
// An SVG can carry script: opened directly on this origin it must not run or load anything.
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

export function runsFile(home: string): string {
  return path.join(home, 'bench', 'runs.jsonl');
}

/** ISO string or epoch ms → epoch ms; anything else → null. */
function ms(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** `$METACLAW_HOME/bench/runs.jsonl`, last line per id winning; unreadable lines are skipped. */
export async function readRuns(home: string): Promise<BenchmarkRun[]> {
  let text: string;
  try {
    text = await fs.promises.readFile(runsFile(home), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const byId = new Map<string, BenchmarkRun>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line cut off by a killed run
    }
    if (!e || typeof e.id !== 'string' || typeof e.out_dir !== 'string') continue;
    const prev = byId.get(e.id);
    byId.delete(e.id); // re-insert: the newest entry sorts by its own position
    byId.set(e.id, {
      id: e.id,
      out_dir: e.out_dir,
      data: typeof e.data === 'string' ? e.data : null,
      conditions: Array.isArray(e.conditions) ? e.conditions : [],
      started_at: ms(e.started_at) ?? prev?.started_at ?? 0,
      finished_at: ms(e.finished_at),
      summary:
        e.summary && typeof e.summary === 'object' && !Array.isArray(e.summary)
          ? (e.summary as Record<string, unknown>)
          : null,
      plots: [],
    });
  }
  const runs = [...byId.values()].sort((a, b) => b.started_at - a.started_at);
  await Promise.all(
    runs.map(async (r) => {
      r.plots = await listPlots(r.out_dir);
    }),
  );
  return runs;
}

/** Regular .svg files directly in out_dir/plots (no symlinks; nothing when plots/ leads out of the run). */
async function listPlots(outDir: string): Promise<string[]> {
  try {
    const root = await fs.promises.realpath(outDir);
    const dir = await fs.promises.realpath(path.join(root, 'plots'));
    if (!dir.startsWith(root + path.sep)) return [];
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && PLOT_NAME.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function findRun(home: string, id: string): Promise<BenchmarkRun> {
  const run = (await readRuns(home)).find((r) => r.id === id);
  if (!run) throw new HttpError(404, `no benchmark run ${JSON.stringify(id)}`, 'not_found_error', 'id');
  return run;
}

/**
 * `dir/name` resolved through realpath, refused unless it is a regular file inside `dir`'s real
 * path: neither `..` nor a symlink leads out of the run folder.
 */
async function fileInside(dir: string, name: string, what: string): Promise<{ file: string; size: number }> {
  const notFound = () => new HttpError(404, `${what} not found`, 'not_found_error');
  let realDir: string;
  let file: string;
  try {
    realDir = await fs.promises.realpath(dir);
    file = await fs.promises.realpath(path.join(realDir, name));
  } catch {
    throw notFound();
  }
  if (!file.startsWith(realDir + path.sep)) throw notFound();
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat?.isFile()) throw notFound();
  return { file, size: stat.size };
}

/** `GET /v1/admin/benchmarks`, `/:id` (report.json) and `/:id/plots/:file` (an SVG). */
export function benchmarkRoutes(d: AdminApiDeps): Route[] {
  const home = d.loaded.home;
  return [
    {
      method: 'GET',
      path: '/v1/admin/benchmarks',
      auth: true,
      errorShape: 'openai',
      handler: async ({ res, url }) => {
        const { limit, offset } = pageParams(url);
        const runs = await readRuns(home);
        const body: ListResponse<BenchmarkRun> = {
          object: 'list',
          data: runs.slice(offset, offset + limit),
          total: runs.length,
        };
        sendJson(res, 200, body);
      },
    },
    {
      method: 'GET',
      path: '/v1/admin/benchmarks/:id',
      auth: true,
      errorShape: 'openai',
      handler: async ({ res, params }) => {
        const run = await findRun(home, params.id!);
        const { file, size } = await fileInside(run.out_dir, 'report.json', `report.json of run ${run.id}`);
        if (size > MAX_REPORT_BYTES)
          throw new HttpError(413, `report.json of run ${run.id} is ${size} bytes, over the limit`);
        let report: unknown;
        try {
          report = JSON.parse(await fs.promises.readFile(file, 'utf8'));
        } catch (err) {
          throw new HttpError(
            500,
            `report.json of run ${run.id} is not valid JSON: ${(err as Error).message}`,
            'api_error',
          );
        }
        sendJson(res, 200, report);
      },
    },
    {
      method: 'GET',
      path: '/v1/admin/benchmarks/:id/plots/:file',
      auth: true,
      errorShape: 'openai',
      handler: async ({ req, res, params }) => {
        const name = params.file!;
        if (!PLOT_NAME.test(name))
          throw new HttpError(
            400,
            'file must be a plot name ending in .svg',
            'invalid_request_error',
            'file',
          );
        const run = await findRun(home, params.id!);
        const { file, size } = await fileInside(run.out_dir, path.join('plots', name), `plot ${name}`);
        if (size > MAX_PLOT_BYTES) throw new HttpError(413, `plot ${name} is ${size} bytes, over the limit`);
        const body = await fs.promises.readFile(file);
        res.writeHead(200, {
          'content-type': 'image/svg+xml',
          'content-length': body.length,
          'x-content-type-options': 'nosniff',
          'content-security-policy': SVG_CSP,
          'cache-control': 'no-cache',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
    },
  ];
}
