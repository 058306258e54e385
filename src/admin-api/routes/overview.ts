import { priceOf } from '../../config/sections/pricing.js';
import { localDay } from '../../learning/call-budget.js';
import { HttpError, sendJson } from '../../server/http-util.js';
import type { Route } from '../../server/router.js';
import { DAY_MS, DashboardRepository, dayStart, HOUR_MS, hourStart } from '../../store/dashboard.js';
import { JUDGE_HEALTH_HINT, JudgeHealthRepository, judgeHealthWarning } from '../../store/judge-health.js';
import type {
  Alert,
  EvolutionOutcome,
  LearningPoint,
  Overview,
  OverviewRange,
  TokenCost,
  TrafficPoint,
} from '../contract.js';
import type { AdminApiDeps } from '../deps.js';

const RANGES: Record<OverviewRange, { bucket: 'hour' | 'day'; buckets: number }> = {
  '24h': { bucket: 'hour', buckets: 24 },
  '7d': { bucket: 'day', buckets: 7 },
  '30d': { bucket: 'day', buckets: 30 },
};

const LEARNING_PURPOSES = ['judge', 'evolver', 'verification', 'opd'] as const;

/** Prices in $ per million tokens for a model; null when none is configured for it. */
export type PriceOf = (model: string) => { input: number; output: number } | null;

function rangeParam(url: URL): OverviewRange {
  const raw = url.searchParams.get('range');
  if (raw === null || raw === '') return '24h';
  // Own keys only: `in` would accept `toString` and friends.
  if (Object.hasOwn(RANGES, raw)) return raw as OverviewRange;
  throw new HttpError(
    400,
    `range must be one of 24h, 7d, 30d, got ${JSON.stringify(raw.slice(0, 40))}`,
    'invalid_request_error',
    'range',
  );
}

/** The range's buckets, current one last: whole hours (24h) or whole UTC days (7d, 30d). */
function window(range: OverviewRange, now: number): { from: number; step: number; starts: number[] } {
  const r = RANGES[range];
  const step = r.bucket === 'hour' ? HOUR_MS : DAY_MS;
  const last = r.bucket === 'hour' ? hourStart(now) : dayStart(now);
  const from = last - (r.buckets - 1) * step;
  return { from, step, starts: Array.from({ length: r.buckets }, (_, i) => from + i * step) };
}

function learningPoint(b: { judged: number; rewardSum: number; failures: number }): LearningPoint {
  return {
    judged: b.judged,
    mean_reward: b.judged > 0 ? b.rewardSum / b.judged : null,
    failure_rate: b.judged > 0 ? b.failures / b.judged : null,
  };
}

/** Sum token rows into one cost; `usd` only with a price table that prices every model used. */
function cost(rows: { model: string; input: number; output: number }[], priceOf: PriceOf | null): TokenCost {
  let input = 0;
  let output = 0;
  let usd: number | null = priceOf ? 0 : null;
  for (const r of rows) {
    input += r.input;
    output += r.output;
    if (usd === null || (r.input === 0 && r.output === 0)) continue;
    const p = priceOf!(r.model);
    usd = p ? usd + (r.input * p.input + r.output * p.output) / 1e6 : null;
  }
  return { input_tokens: input, output_tokens: output, usd };
}

/** What needs the user's attention now; each from the component that knows it. */
function alerts(d: AdminApiDeps, repo: DashboardRepository, now: number): Alert[] {
  const out: Alert[] = [];
  // Same rule and wording as `metaclaw status` / `doctor` (judge_health, local day).
  for (const r of new JudgeHealthRepository(d.db).forDay(localDay(new Date(now)))) {
    if (!r.unhealthy) continue;
    out.push({
      kind: 'judge_invalid',
      severity: 'warn',
      message: `${judgeHealthWarning(r)}; ${JUDGE_HEALTH_HINT}`,
      since: null,
    });
  }
  const store = d.recorder.health.snapshot();
  if (!store.ok)
    out.push({
      kind: 'store_write',
      severity: 'error',
      message: `turns are not being stored: ${store.failedWrites} failed write(s), last: ${store.lastError ?? 'unknown error'}`,
      since: store.since,
    });
  // The rollup is hourly: "the last hour" is the previous and the current hour bucket.
  const since = hourStart(now - HOUR_MS);
  const recent = repo.errorsSince(since);
  if (recent.errors > 0)
    out.push({
      kind: 'upstream',
      severity: recent.errors === recent.requests ? 'error' : 'warn',
      message: `${recent.errors} of ${recent.requests} requests failed in the last hour`,
      since,
    });
  const rl = repo.openRlFailures();
  if (rl.count > 0)
    out.push({
      kind: 'rl',
      severity: 'error',
      message: `${rl.count} training failure(s) not recovered; latest: ${rl.message ?? ''}`.slice(0, 500),
      since: rl.since,
    });
  const restart = d.liveConfig.status().restart_needed;
  if (restart.length > 0)
    out.push({
      kind: 'restart_needed',
      severity: 'warn',
      message: `config changed since start; restart to apply: ${restart.join(', ')}`,
      since: null,
    });
  return out;
}

/** Requests summed by `key`, most first (ties by name, so the order is stable). */
function ranked<T extends { requests: number }>(rows: T[], key: (r: T) => string): [string, number][] {
  const by = new Map<string, number>();
  for (const r of rows) by.set(key(r), (by.get(key(r)) ?? 0) + r.requests);
  return [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function overview(
  d: AdminApiDeps,
  range: OverviewRange,
  now = Date.now(),
  priceOf: PriceOf | null = null,
): Overview {
  const repo = new DashboardRepository(d.db);
  const w = window(range, now);

  const mix = repo.traffic(w.from, w.step);
  const traffic = new Map<number, { requests: number; turns: number; errors: number }>();
  for (const c of mix) {
    const b = traffic.get(c.t) ?? { requests: 0, turns: 0, errors: 0 };
    b.requests += c.requests;
    b.turns += c.turns;
    b.errors += c.errors;
    traffic.set(c.t, b);
  }
  const started = new Map(repo.sessionsStarted(w.from, w.step).map((b) => [b.t, b.n]));
  const points: TrafficPoint[] = w.starts.map((t) => {
    const b = traffic.get(t);
    return {
      t,
      requests: b?.requests ?? 0,
      turns: b?.turns ?? 0,
      sessions: started.get(t) ?? 0,
      errors: b?.errors ?? 0,
    };
  });

  const usage = repo.learningUsage(w.from);
  const learning = Object.fromEntries(
    LEARNING_PURPOSES.map((p) => [
      p,
      cost(
        usage.filter((u) => u.purpose === p),
        priceOf,
      ),
    ]),
  ) as Overview['cost']['learning'];

  const snap = d.skills.library.current();
  const rl = d.rl();
  return {
    generated_at: now,
    range,
    library: { generation: snap.generation, skills: snap.size, pending_approvals: repo.pendingApprovals() },
    policy: { version: rl ? rl.trainer.policyVersion() : null, rl_enabled: rl !== null },
    traffic: {
      bucket: RANGES[range].bucket,
      points,
      by_agent: ranked(mix, (r) => r.agent).map(([agent, requests]) => ({ agent, requests })),
      by_model: ranked(mix, (r) => r.model).map(([model, requests]) => ({ model, requests })),
    },
    learning_curve: {
      by_day: repo.learningByDay(w.from).map((b) => ({ t: b.day, ...learningPoint(b) })),
      by_generation: repo
        .learningByGeneration(w.from)
        .map((b) => ({ generation: b.generation, ...learningPoint(b) })),
      evolutions: repo.evolutionsSince(w.from).map((e) => ({
        id: e.id,
        t: e.createdAt,
        outcome: e.outcome as EvolutionOutcome,
        generation: e.generation,
      })),
    },
    cost: { serving: cost(mix, priceOf), learning },
    alerts: alerts(d, repo, now),
  };
}

/** `GET /v1/admin/overview?range=24h|7d|30d` (docs/admin-api.md). */
export function overviewRoutes(d: AdminApiDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/admin/overview',
      auth: true,
      errorShape: 'openai',
      handler: ({ res, url }) => {
        // The price table as started (a change to `pricing` shows as restart_needed).
        const pricing = d.loaded.config.pricing;
        const prices = Object.keys(pricing).length > 0 ? (m: string) => priceOf(pricing, m) : null;
        sendJson(res, 200, overview(d, rangeParam(url), Date.now(), prices));
      },
    },
  ];
}
