import type { SessionRepository } from '../../store/sessions.js';
import type { TurnRecord, TurnRepository } from '../../store/turns.js';
import { HttpError, sendJson } from '../http-util.js';
import type { Route } from '../router.js';

export interface AdminDeps {
  sessions: SessionRepository;
  turns: TurnRepository;
}

/** Read-only admin API over what the proxy recorded. */
export function adminSessionRoutes(d: AdminDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/admin/sessions',
      auth: true,
      errorShape: 'openai',
      handler: ({ res, url }) => {
        const limit = intParam(url, 'limit', 50, 1, 1000);
        const offset = intParam(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
        sendJson(res, 200, {
          object: 'list',
          data: d.sessions.list({ limit, offset }),
          total: d.sessions.count(),
        });
      },
    },
    {
      method: 'GET',
      path: '/v1/admin/sessions/:id',
      auth: true,
      errorShape: 'openai',
      handler: ({ res, params }) => {
        const session = d.sessions.get(params.id!);
        if (!session) throw new HttpError(404, `no session ${params.id}`, 'not_found_error');
        sendJson(res, 200, { ...session, turns: d.turns.listBySession(session.id).map(turnView) });
      },
    },
    {
      method: 'GET',
      path: '/v1/admin/turns/:id',
      auth: true,
      errorShape: 'openai',
      handler: ({ res, params }) => {
        const turn = d.turns.get(params.id!);
        if (!turn) throw new HttpError(404, `no turn ${params.id}`, 'not_found_error');
        sendJson(res, 200, turnView(turn));
      },
    },
  ];
}

/** A turn with its JSON columns parsed, for API consumers. */
export function turnView(t: TurnRecord) {
  const { requestJson, upstreamRequestJson, responseJson, usageJson, ...rest } = t;
  const request = safeParse(requestJson);
  return {
    ...rest,
    request,
    // NULL in the store means the upstream got the client's request unchanged.
    upstream_request: upstreamRequestJson ? safeParse(upstreamRequestJson) : request,
    response: responseJson ? safeParse(responseJson) : null,
    usage: usageJson ? safeParse(usageJson) : null,
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function intParam(url: URL, name: string, dflt: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HttpError(
      400,
      `${name} must be an integer between ${min} and ${max}`,
      'invalid_request_error',
      name,
    );
  }
  return n;
}
