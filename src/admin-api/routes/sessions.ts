import { HttpError, sendJson } from '../../server/http-util.js';
import type { Route } from '../../server/router.js';
import {
  type SessionFilter,
  SessionListRepository,
  type SessionSummaryRow,
} from '../../store/session-list.js';
import type { SessionRecord } from '../../store/sessions.js';
import type { ListResponse, SessionDetail, SessionListItem } from '../contract.js';
import type { AdminApiDeps } from '../deps.js';
import { turnView } from '../raw-turn.js';
import { summarizeTurns, turnDetail } from '../turn-summary.js';

/** Older clients (tests, scripts) read these camelCase record fields: kept alongside the contract's. */
type Compat = SessionRecord;

/**
 * `GET /v1/admin/sessions`, `/sessions/:id`, `/turns/:id` (docs/admin-api.md). They supersede the
 * first admin routes (removed): same paths, contract fields plus the older ones.
 */
export function sessionRoutes(d: AdminApiDeps): Route[] {
  const repo = new SessionListRepository(d.db);
  return [
    {
      method: 'GET',
      path: '/v1/admin/sessions',
      auth: true,
      errorShape: 'openai',
      handler: ({ res, url }) => {
        const filter = filterParams(url);
        const limit = intParam(url, 'limit', 50, 1, 1000);
        const offset = intParam(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
        const body: ListResponse<SessionListItem & Compat> = {
          object: 'list',
          data: repo.list(filter, limit, offset).map(listItem),
          total: repo.count(filter),
        };
        sendJson(res, 200, body);
      },
    },
    {
      method: 'GET',
      path: '/v1/admin/sessions/:id',
      auth: true,
      errorShape: 'openai',
      handler: ({ res, url, params }) => {
        const turnLimit = intParam(url, 'turn_limit', 100, 1, 1000);
        const turnOffset = intParam(url, 'turn_offset', 0, 0, Number.MAX_SAFE_INTEGER);
        // `raw=1`: each turn also carries the older record fields and its raw JSON (older clients).
        const raw = boolParam(url, 'raw');
        const s = repo.get(params.id!);
        if (!s) throw new HttpError(404, `no session ${params.id}`, 'not_found_error');
        const turns = repo.turns(s.id, turnLimit, turnOffset);
        const summaries = summarizeTurns(repo, turns);
        const { turns: _count, ...item } = listItem(s);
        const body: SessionDetail & Compat = {
          ...item,
          turn_count: repo.countTurns(s.id),
          turn_limit: turnLimit,
          turn_offset: turnOffset,
          turns: raw ? summaries.map((x, i) => ({ ...turnView(turns[i]!), ...x })) : summaries,
        };
        sendJson(res, 200, body);
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
        sendJson(res, 200, turnDetail(repo, turn));
      },
    },
  ];
}

function listItem(s: SessionSummaryRow): SessionListItem & Compat {
  const { errorTurns, judgedTurns, judgeFailures, rewardSum, feedbackCount, ...record } = s;
  return {
    ...record,
    agent: s.client,
    client: s.client,
    started_at: s.startedAt,
    last_at: s.lastActivityAt,
    ended_at: s.endedAt,
    turns: s.turnCount,
    failed_turns: errorTurns + judgeFailures,
    mean_reward: judgedTurns > 0 ? rewardSum / judgedTurns : null,
    has_feedback: feedbackCount > 0,
  };
}

function filterParams(url: URL): SessionFilter {
  const f: SessionFilter = {};
  const agent = url.searchParams.get('agent');
  if (agent !== null) {
    if (agent === '') throw bad('agent', 'agent must not be empty');
    f.agent = agent;
  }
  if (url.searchParams.has('since')) f.since = intParam(url, 'since', 0, 0, Number.MAX_SAFE_INTEGER);
  if (url.searchParams.has('until')) f.until = intParam(url, 'until', 0, 0, Number.MAX_SAFE_INTEGER);
  f.failed = boolParam(url, 'failed');
  f.judged = boolParam(url, 'judged');
  f.feedback = boolParam(url, 'feedback');
  return f;
}

const bad = (param: string, message: string) => new HttpError(400, message, 'invalid_request_error', param);

function boolParam(url: URL, name: string): boolean {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw bad(name, `${name} must be 1 or 0`);
}

function intParam(url: URL, name: string, dflt: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return dflt;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw bad(name, `${name} must be an integer between ${min} and ${max}`);
  return n;
}
