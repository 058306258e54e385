import type { Route } from '../../server/router.js';
import type { AdminApiDeps } from '../deps.js';
import { benchmarkRoutes } from './benchmarks.js';
import { eventRoutes } from './events.js';
import { evolutionRoutes } from './evolutions.js';
import { overviewRoutes } from './overview.js';
import { sessionRoutes } from './sessions.js';
import { skillRoutes } from './skills.js';
import { trainingRoutes } from './training.js';

/**
 * Every dashboard route (`/v1/admin/*`, documented in docs/admin-api.md), one module per area.
 * Registered before the older admin routes so the contract shapes (supersets) win.
 */
export function adminApiRoutes(d: AdminApiDeps): Route[] {
  // biome-ignore format: one line per area module, so each can be added without touching the others
  return [
    ...sessionRoutes(d),
    ...eventRoutes(d),
    ...skillRoutes(d),
    ...evolutionRoutes(d),
    ...trainingRoutes(d),
    ...benchmarkRoutes(d),
    ...overviewRoutes(d),
  ];
}
