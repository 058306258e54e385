import type { SessionTracker } from '../../sessions/tracker.js';
import type { SessionRepository } from '../../store/sessions.js';
import { HttpError, sendJson } from '../http-util.js';
import type { Route } from '../router.js';

export interface SessionEndDeps {
  tracker: SessionTracker;
  sessions: SessionRepository;
}

/**
 * `POST /v1/admin/sessions/:id/end`: an agent (e.g. the OpenClaw plugin on agent end, /new or
 * /reset) says a session is over, so it is judged now instead of after the idle timeout.
 * Idempotent: ending an already ended session answers 200 with `ended: false`.
 */
export function adminSessionEndRoutes(d: SessionEndDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/admin/sessions/:id/end',
      auth: true,
      errorShape: 'openai',
      handler: ({ res, params }) => {
        const id = params.id!;
        if (!d.sessions.get(id)) throw new HttpError(404, `no session ${id}`, 'not_found_error');
        const ended = d.tracker.end(id, 'explicit');
        const session = d.sessions.get(id)!;
        sendJson(res, 200, {
          id,
          ended,
          ended_at: session.endedAt,
          end_reason: session.endReason,
        });
      },
    },
  ];
}
