import { z } from 'zod';
import type { RewardRepository } from '../../store/rewards.js';
import type { TurnRepository } from '../../store/turns.js';
import { HttpError, parseJsonBody, readBody, sendJson } from '../http-util.js';
import type { Route } from '../router.js';

const feedbackBody = z
  .object({
    turn_id: z.string().min(1).optional(),
    session_id: z.string().min(1).optional(),
    score: z.number().min(-1).max(1),
    comment: z.string().max(10_000).optional(),
    source: z.enum(['user', 'env']).default('user'),
  })
  .refine((b) => Boolean(b.turn_id) !== Boolean(b.session_id), {
    message: 'give exactly one of turn_id or session_id',
    path: ['turn_id'],
  });

export interface FeedbackDeps {
  turns: TurnRepository;
  rewards: RewardRepository;
  onFeedback(turnId: string, score: number): void;
}

/**
 * Resolve a feedback target: a turn id, or a session's last served main turn (the same turn the
 * judge treats as the session's last; a failed call is not something the agent answered).
 */
export function feedbackTarget(
  turns: TurnRepository,
  ref: { turnId?: string; sessionId?: string },
): string | null {
  if (ref.turnId) return turns.get(ref.turnId) ? ref.turnId : null;
  return ref.sessionId ? turns.lastMainTurnId(ref.sessionId) : null;
}

/** Explicit feedback: `POST /v1/admin/feedback {turn_id | session_id, score, comment}`. */
export function feedbackRoutes(d: FeedbackDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/admin/feedback',
      auth: true,
      errorShape: 'openai',
      handler: async ({ req, res }) => {
        const parsed = feedbackBody.safeParse(parseJsonBody(await readBody(req, 1024 * 1024)));
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const field = issue.path.join('.') || 'body';
          throw new HttpError(400, `${field}: ${issue.message}`, 'invalid_request_error', field);
        }
        const b = parsed.data;
        const turnId = feedbackTarget(d.turns, { turnId: b.turn_id, sessionId: b.session_id });
        if (!turnId)
          throw new HttpError(
            404,
            b.turn_id ? `no turn ${b.turn_id}` : `session ${b.session_id} has no main turn`,
            'not_found_error',
          );
        const id = d.rewards.insert({
          turnId,
          source: b.source,
          score: b.score,
          rationale: b.comment ?? null,
        });
        d.onFeedback(turnId, b.score);
        sendJson(res, 200, { id, turn_id: turnId, score: b.score, source: b.source });
      },
    },
  ];
}
