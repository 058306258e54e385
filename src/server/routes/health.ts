import { localDay } from '../../learning/budget.js';
import type { Db } from '../../store/db.js';
import { storeHealthy } from '../../store/db.js';
import { JudgeHealthRepository } from '../../store/judge-health.js';
import { sendJson } from '../http-util.js';
import type { Route } from '../router.js';

export interface HealthDeps {
  version: string;
  db: Db;
  upstreamName(): string | null;
  /** False while starting or draining for shutdown. */
  ready(): boolean;
  startedAt: number;
}

export function healthRoutes(d: HealthDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      auth: false,
      errorShape: 'openai',
      handler: ({ res }) => {
        const storeOk = storeHealthy(d.db);
        sendJson(res, storeOk ? 200 : 503, {
          status: storeOk ? 'ok' : 'degraded',
          version: d.version,
          pid: process.pid,
          store: storeOk ? 'ok' : 'error',
          upstream: d.upstreamName() ?? 'not configured',
          uptime_s: Math.round((Date.now() - d.startedAt) / 1000),
          // Today's judge votes and invalid votes per judge model, with a warning per unhealthy one.
          ...(storeOk ? { judge_health: judgeHealth(d.db) } : {}),
        });
      },
    },
    {
      method: 'GET',
      path: '/readyz',
      auth: false,
      errorShape: 'openai',
      handler: ({ res }) => {
        const ready = d.ready() && storeHealthy(d.db);
        sendJson(res, ready ? 200 : 503, { ready });
      },
    },
  ];
}

function judgeHealth(db: Db) {
  try {
    return new JudgeHealthRepository(db).report(localDay(new Date()));
  } catch {
    return null; // never let a figure break the liveness check
  }
}
