import { localDay } from '../../learning/call-budget.js';
import type { Db } from '../../store/db.js';
import { storeHealthy } from '../../store/db.js';
import { JudgeHealthRepository } from '../../store/judge-health.js';
import type { StoreHealth } from '../../store/write-health.js';
import { sendJson } from '../http-util.js';
import type { Route } from '../router.js';

export interface HealthDeps {
  version: string;
  db: Db;
  /** Turn-write health: a failing write turns readiness red and shows here. */
  storeWrites?: StoreHealth;
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
        const writes = d.storeWrites?.snapshot();
        // Failing writes keep liveness 200 (restarting does not free disk space) but say so.
        sendJson(res, storeOk ? 200 : 503, {
          status: storeOk && writes?.ok !== false ? 'ok' : 'degraded',
          version: d.version,
          pid: process.pid,
          store: !storeOk ? 'error' : writes?.ok === false ? 'write_failing' : 'ok',
          ...(writes
            ? {
                store_writes: {
                  ok: writes.ok,
                  failed_writes: writes.failedWrites,
                  last_error: writes.lastError,
                  since: writes.since,
                },
              }
            : {}),
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
        const ready = d.ready() && storeHealthy(d.db) && d.storeWrites?.ok !== false;
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
