// The async pattern: a submit answers `{request_id}`, then `retrieve_future` is polled until it
// stops answering `try_again` (HTTP 200 or 408). 410 = the promise expired: resubmit the original
// call once (same body, so a training call keeps its seq_id). 404 = unknown request id.
import type { z } from 'zod';
import { TinkerError } from './errors.js';
import { aborted, sleep, type Transport } from './http.js';
import { futureErrorSchema, submitSchema, tryAgainSchema } from './types.js';

export interface PollPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** How long one future may take in total (queueing included). */
  timeoutMs: number;
}

export const DEFAULT_POLL: PollPolicy = {
  initialDelayMs: 50,
  maxDelayMs: 2_000,
  factor: 1.6,
  timeoutMs: 30 * 60_000,
};

/** POST a call that answers with a future; returns the request id. */
export async function submit(
  t: Transport,
  path: string,
  bodyText: string,
  signal?: AbortSignal,
): Promise<string> {
  const answer = await t.request('POST', path, bodyText, { signal });
  const parsed = submitSchema.safeParse(answer.body);
  if (!parsed.success)
    throw new TinkerError('tinker_server_error', `${path}: the answer has no request_id`, { path });
  return parsed.data.request_id;
}

export interface AwaitOptions<T> {
  what: string;
  schema: z.ZodType<T>;
  /** Resubmits the original call after a 410; returns the new request id. */
  resubmit: () => Promise<string>;
  signal?: AbortSignal;
}

export async function awaitFuture<T>(
  t: Transport,
  poll: PollPolicy,
  firstRequestId: string,
  o: AwaitOptions<T>,
): Promise<T> {
  let requestId = firstRequestId;
  let resubmitted = false;
  let delay = poll.initialDelayMs;
  const deadline = Date.now() + poll.timeoutMs;
  for (;;) {
    if (o.signal?.aborted) throw aborted(o.signal);
    if (Date.now() > deadline)
      throw new TinkerError(
        'tinker_timeout',
        `${o.what}: no result within ${poll.timeoutMs} ms (request ${requestId})`,
        { path: o.what },
      );
    const answer = await t.request('POST', 'retrieve_future', JSON.stringify({ request_id: requestId }), {
      signal: o.signal,
      passStatuses: [404, 408, 410],
    });
    if (answer.status === 404)
      throw new TinkerError('tinker_not_found', `${o.what}: the service does not know request ${requestId}`, {
        status: 404,
        path: o.what,
      });
    if (answer.status === 410) {
      if (resubmitted)
        throw new TinkerError('tinker_server_error', `${o.what}: the result expired twice (HTTP 410)`, {
          status: 410,
          path: o.what,
        });
      resubmitted = true;
      requestId = await o.resubmit();
      delay = poll.initialDelayMs;
      continue;
    }
    const body = answer.body;
    // 408 always means "not yet" here: the hosted API sends try_again with it, SkyRL a long-poll timeout.
    if (answer.status === 408 || tryAgainSchema.safeParse(body).success || isMetadataOnly(body)) {
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), o.signal);
      delay = Math.min(poll.maxDelayMs, delay * poll.factor);
      continue;
    }
    const failed = futureErrorSchema.safeParse(body);
    if (failed.success) {
      const category = failed.data.category ?? 'unknown';
      throw new TinkerError(
        category === 'user' ? 'tinker_user_error' : 'tinker_server_error',
        `${o.what} failed (${category} error): ${failed.data.error}`,
        { path: o.what, category },
      );
    }
    const result = o.schema.safeParse(body);
    if (!result.success)
      throw new TinkerError(
        'tinker_server_error',
        `${o.what}: unexpected result shape: ${result.error.issues[0]?.message ?? 'invalid'} ` +
          `at ${result.error.issues[0]?.path.join('.') ?? ''}`,
        { path: o.what },
      );
    return result.data;
  }
}

function isMetadataOnly(body: unknown): boolean {
  return (body as { status?: unknown } | null)?.status === 'complete_metadata';
}
