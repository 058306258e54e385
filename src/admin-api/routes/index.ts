import type { Route } from '../../server/router.js';
import type { AdminApiDeps } from '../deps.js';

/**
 * Every dashboard route (`/v1/admin/*`, documented in docs/admin-api.md), one module per area.
 * Registered before the older admin routes so the contract shapes (supersets) win.
 */
export function adminApiRoutes(d: AdminApiDeps): Route[] {
  void d;
  return [];
}
