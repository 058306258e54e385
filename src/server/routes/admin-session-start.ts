import { z } from 'zod';
import type { SessionTracker } from '../../sessions/tracker.js';
import type { SessionRepository } from '../../store/sessions.js';
import { HttpError, parseJsonBody, readBody, sendJson } from '../http-util.js';
import type { Route } from '../router.js';

export interface SessionStartDeps {
  tracker: SessionTracker;
  sessions: SessionRepository;
}

const startBody = z.object({ client: z.string().min(1).max(64).optional() }).strict();

/**
 * `POST /v1/admin/sessions/:id/start` `{client?}`: an agent (e.g. Claude Code's SessionStart hook
 * through `metaclaw hook`) declares a session before, or alongside, its first model call. The
 * session is open from then on; an empty body is fine. Idempotent: `created` says whether the id
 * was new to the store.
 */
export function adminSessionStartRoutes(d: SessionStartDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/admin/sessions/:id/start',
      auth: true,
      errorShape: 'openai',
      handler: async ({ req, res, params }) => {
        const id = params.id!;
        if (id.length > 256)
          throw new HttpError(400, 'session id is longer than 256 characters', undefined, 'id');
        const raw = await readBody(req, 64 * 1024);
        const parsed = startBody.safeParse(raw.length === 0 ? {} : parseJsonBody(raw));
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const field = issue.path.join('.') || 'body';
          throw new HttpError(400, `${field}: ${issue.message}`, 'invalid_request_error', field);
        }
        const created = d.tracker.declare(id, parsed.data.client ?? null);
        const session = d.sessions.get(id)!;
        sendJson(res, 200, {
          id,
          created,
          client: session.client,
          started_at: session.startedAt,
          ended_at: session.endedAt,
        });
      },
    },
  ];
}
