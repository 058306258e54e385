import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchmarkRun, ListResponse } from '../../src/admin-api/contract.js';
import { registerRun, writeReport } from '../../src/bench/output.js';
import type { RoundResult } from '../../src/bench/report.js';
import { startProxy, type TestProxy, tempHome } from '../helpers/proxy.js';

/**
 * `/v1/admin/benchmarks*` over run folders written by the bench's own writer (writeReport,
 * registerRun): the registry's last line per id wins, plots are served as SVG and only from the
 * run's plots folder.
 */
const KEY = 'bench-key';
let proxy: TestProxy;
let outside: string;

function rounds(condition: string, scores: number[]): RoundResult[] {
  return scores.map((score, i) => ({
    condition,
    day: `day${i + 1}`,
    arc: 'a',
    round: `r${i}`,
    type: i % 2 ? 'file_check' : 'multi_choice',
    score,
    passed: score > 0.5,
    exact: score === 1,
    tokens: 100,
  }));
}

const auth = { authorization: `Bearer ${KEY}` };
const get = (p: string, headers: Record<string, string> = auth) => fetch(proxy.url + p, { headers });

beforeAll(async () => {
  const home = tempHome();
  const runs = path.join(tempHome(), 'runs');
  // A finished run: registered at start, report written, registered again with its summary.
  const done = path.join(runs, 'run-done');
  fs.mkdirSync(done, { recursive: true });
  registerRun(home, {
    id: 'run-done',
    out_dir: done,
    data: '/data/set',
    conditions: ['baseline', 'skills'],
    started_at: '2026-12-01T10:00:00.000Z',
    finished_at: null,
  });
  const summary = writeReport(done, [...rounds('baseline', [0, 1, 0]), ...rounds('skills', [1, 1, 0])], {
    data: '/data/set',
  });
  registerRun(home, {
    id: 'run-done',
    out_dir: done,
    data: '/data/set',
    conditions: ['baseline', 'skills'],
    started_at: '2026-12-01T10:00:00.000Z',
    finished_at: '2026-12-01T11:00:00.000Z',
    summary: {
      baseline: { accuracy: summary.baseline!.accuracy },
      skills: { accuracy: summary.skills!.accuracy },
    },
  });
  // A running one (no report yet) and hostile files in the first run.
  const running = path.join(runs, 'run-live');
  fs.mkdirSync(running, { recursive: true });
  registerRun(home, {
    id: 'run-live',
    out_dir: running,
    data: null,
    conditions: ['baseline'],
    started_at: '2026-12-02T10:00:00.000Z',
    finished_at: null,
  });
  outside = path.join(tempHome(), 'secret.svg');
  fs.writeFileSync(outside, '<svg>secret</svg>');
  fs.symlinkSync(outside, path.join(done, 'plots', 'escape.svg'));
  fs.writeFileSync(path.join(done, 'secret.svg'), '<svg>not a plot</svg>');
  // A run whose plots folder is a symlink to a folder outside it.
  const linked = path.join(runs, 'run-linked');
  fs.mkdirSync(linked, { recursive: true });
  fs.symlinkSync(path.dirname(outside), path.join(linked, 'plots'));
  registerRun(home, {
    id: 'run-linked',
    out_dir: linked,
    conditions: [],
    started_at: '2026-11-30T10:00:00.000Z',
    finished_at: null,
  });
  // The last line cut off by a killed writer.
  fs.appendFileSync(path.join(home, 'bench', 'runs.jsonl'), '{"id":"cut-of');
  proxy = await startProxy({ proxy: { api_key: KEY } }, { home });
});
afterAll(async () => {
  await proxy?.close();
});

describe('benchmark runs in the admin API', () => {
  it('lists runs newest first, last registry line per id, times in ms, real plots only', async () => {
    const res = await get('/v1/admin/benchmarks');
    expect(res.status).toBe(200);
    const body = (await res.json()) as ListResponse<BenchmarkRun>;
    expect(body.object).toBe('list');
    expect(body.total).toBe(3);
    expect(body.data.map((r) => r.id)).toEqual(['run-live', 'run-done', 'run-linked']);
    const [live, done, linked] = body.data;
    expect(linked!.plots).toEqual([]);
    expect(live).toMatchObject({ finished_at: null, summary: null, plots: [], data: null });
    expect(done).toMatchObject({
      started_at: Date.parse('2026-12-01T10:00:00.000Z'),
      finished_at: Date.parse('2026-12-01T11:00:00.000Z'),
      conditions: ['baseline', 'skills'],
      summary: { skills: { accuracy: 2 / 3 } },
    });
    // The symlink to a file outside the run is not listed.
    expect(done!.plots).toEqual(['accuracy-per-day.svg', 'cumulative-tokens.svg', 'file-check-per-arc.svg']);
    const page = (await (
      await get('/v1/admin/benchmarks?limit=1&offset=1')
    ).json()) as ListResponse<BenchmarkRun>;
    expect(page.data.map((r) => r.id)).toEqual(['run-done']);
    expect((await get('/v1/admin/benchmarks?limit=5000')).status).toBe(400);
  });

  it("serves a run's report.json; 404 for an unknown run or one still running", async () => {
    const res = await get('/v1/admin/benchmarks/run-done');
    expect(res.status).toBe(200);
    const report = (await res.json()) as { summary: Record<string, { accuracy: number }>; rounds: unknown[] };
    expect(report.summary.baseline!.accuracy).toBeCloseTo(1 / 3);
    expect(report.rounds).toHaveLength(6);
    const unknown = await get('/v1/admin/benchmarks/nope');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('nope');
    expect((await get('/v1/admin/benchmarks/run-live')).status).toBe(404);
  });

  it('serves plots as SVG with a sandboxing CSP, and nothing outside the plots folder', async () => {
    const res = await get('/v1/admin/benchmarks/run-done/plots/accuracy-per-day.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(await res.text()).toContain('Accuracy per day');
    // A symlink out of the run, traversal (encoded or not), other extensions: refused.
    expect((await get('/v1/admin/benchmarks/run-done/plots/escape.svg')).status).toBe(404);
    expect((await get('/v1/admin/benchmarks/run-done/plots/..%2Fsecret.svg')).status).toBe(400);
    expect((await get('/v1/admin/benchmarks/run-done/plots/..%2F..%2Freport.json')).status).toBe(400);
    expect((await get('/v1/admin/benchmarks/run-done/plots/.hidden.svg')).status).toBe(400);
    expect((await get('/v1/admin/benchmarks/run-done/plots/report.json')).status).toBe(400);
    expect((await get('/v1/admin/benchmarks/run-done/plots/missing.svg')).status).toBe(404);
    expect((await get('/v1/admin/benchmarks/run-live/plots/accuracy-per-day.svg')).status).toBe(404);
    expect((await get('/v1/admin/benchmarks/run-linked/plots/secret.svg')).status).toBe(404);
  });

  it('refuses every benchmark route without the proxy key', async () => {
    for (const p of [
      '/v1/admin/benchmarks',
      '/v1/admin/benchmarks/run-done',
      '/v1/admin/benchmarks/run-done/plots/accuracy-per-day.svg',
    ])
      expect((await get(p, {})).status, p).toBe(401);
  });
});
