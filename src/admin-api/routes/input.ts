import type { IncomingMessage } from 'node:http';
import { HttpError, parseJsonBody, readBody } from '../../server/http-util.js';

/** Request bodies of admin actions are small JSON objects (a skill's text at most). */
const MAX_BODY = 1024 * 1024;

/** `?limit=` (1–1000, default 50) and `?offset=` (≥ 0, default 0), as docs/admin-api.md says. */
export function pageParams(url: URL): { limit: number; offset: number } {
  const int = (name: string, dflt: number, min: number, max: number, rule: string) => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new HttpError(400, `${name} must be ${rule}, got ${raw}`, 'invalid_request_error', name);
    return n;
  };
  return {
    limit: int('limit', 50, 1, 1000, 'an integer between 1 and 1000'),
    offset: int('offset', 0, 0, Number.MAX_SAFE_INTEGER, 'an integer ≥ 0'),
  };
}

/** A path or query number that must be a non-negative integer (400 naming `param` otherwise). */
export function intParam(raw: string | null | undefined, param: string, min = 0): number {
  const n = Number(raw);
  if (raw === null || raw === undefined || raw.trim() === '' || !Number.isInteger(n) || n < min)
    throw new HttpError(
      400,
      `${param} must be an integer ≥ ${min}, got ${raw ?? '(missing)'}`,
      'invalid_request_error',
      param,
    );
  return n;
}

/** The JSON object body of an action; an empty body is `{}` when `optional`. */
export async function jsonObject(req: IncomingMessage, optional = false): Promise<Record<string, unknown>> {
  const buf = await readBody(req, MAX_BODY);
  if (buf.length === 0 && optional) return {};
  const v = parseJsonBody(buf);
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new HttpError(400, 'request body must be a JSON object');
  return v as Record<string, unknown>;
}

/** An optional string field of a body (400 naming it when present with another type). */
export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new HttpError(400, `${key} must be a string`, 'invalid_request_error', key);
  return v;
}
