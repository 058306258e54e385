import { DecisionError, EvolutionDecisions } from '../../learning/evolve/approval.js';
import { HttpError, sendJson } from '../../server/http-util.js';
import type { Route } from '../../server/router.js';
import { type EvolutionOutcome, type EvolutionRecord, EvolutionRepository } from '../../store/evolutions.js';
import type {
  EvolutionDecisionResult,
  EvolutionDetail,
  EvolutionListItem,
  EvolutionOpSummary,
  EvolutionReplay,
  ListResponse,
} from '../contract.js';
import type { AdminApiDeps } from '../deps.js';
import { intParam, jsonObject, optionalString, pageParams } from './input.js';

const OUTCOMES: readonly EvolutionOutcome[] = [
  'pending',
  'awaiting_approval',
  'applied',
  'rejected',
  'failed',
  'duplicate',
  'empty',
];

export function evolutionListItem(e: EvolutionRecord): EvolutionListItem {
  const ops: EvolutionOpSummary[] = Array.isArray(e.ops)
    ? (e.ops as { op?: unknown; name?: unknown }[]).map((o) => ({
        op: String(o?.op ?? ''),
        name: String(o?.name ?? ''),
      }))
    : [];
  return {
    id: e.id,
    created_at: e.createdAt,
    trigger: e.trigger,
    outcome: e.outcome,
    reason: e.reason,
    generation: e.generation,
    ops,
    support_turn_ids: e.supportTurnIds,
  };
}

interface CaseRecord {
  turnId: string;
  before: number;
  after: number | null;
}

/** Per support turn: score before, re-judged score with the change set, and which way it went. */
function replays(verification: unknown): EvolutionReplay[] {
  const cases = (verification as { cases?: CaseRecord[] } | null)?.cases;
  if (!Array.isArray(cases)) return [];
  return cases.map((c) => ({
    turn_id: c.turnId,
    before: c.before ?? null,
    after: c.after ?? null,
    verdict:
      c.after === null || c.after === undefined
        ? 'unknown'
        : c.after > c.before
          ? 'improved'
          : c.after < c.before
            ? 'worse'
            : 'same',
  }));
}

/** The safety screen's part of validation: which proposed ops it blocked, and why. */
function safety(validation: unknown): unknown | null {
  const v = validation as { rejected?: { op?: { name?: string }; reason?: string }[] } | null;
  if (!v || !Array.isArray(v.rejected)) return null;
  const blocked = v.rejected
    .filter((r) => typeof r.reason === 'string' && r.reason.startsWith('safety screen:'))
    .map((r) => ({ name: r.op?.name ?? null, reason: r.reason }));
  return { passed: blocked.length === 0, blocked };
}

export function evolutionDetail(e: EvolutionRecord): EvolutionDetail {
  return {
    ...evolutionListItem(e),
    proposal: { raw: e.rawReply, ops: e.ops },
    validation: e.validation,
    safety: safety(e.validation),
    replays: replays(e.verification),
    verification: e.verification,
    decided_by: e.decidedBy,
  };
}

/**
 * Evolutions view: the audit trail of every evolution, and the decision on those awaiting
 * approval (`evolution.approval: manual`). Every outcome change, the engine's or a person's,
 * is published as an `evolution` event.
 */
export function evolutionRoutes(d: AdminApiDeps): Route[] {
  const read = new EvolutionRepository(d.db);
  const publish = (id: number) => {
    const e = read.get(id);
    if (e) d.events.publish('evolution', evolutionListItem(e));
  };
  // The engine reports outcomes through a hook: learning knows nothing of the dashboard.
  d.learning.evolution?.onOutcome(publish);
  const decisions = new EvolutionDecisions({
    library: d.skills.library,
    evolutions: new EvolutionRepository(d.db, publish),
    log: d.log.child({ component: 'evolution' }),
  });
  const route = (method: Route['method'], path: string, handler: Route['handler']): Route => ({
    method,
    path,
    auth: true,
    errorShape: 'openai',
    handler,
  });
  const decide = (verb: 'approve' | 'reject'): Route =>
    route('POST', `/v1/admin/evolutions/:id/${verb}`, async ({ req, res, params }) => {
      const id = intParam(params.id, 'id', 1);
      const reason = optionalString(await jsonObject(req, true), 'reason');
      let e: EvolutionRecord;
      try {
        e = verb === 'approve' ? decisions.approve(id, reason) : decisions.reject(id, reason);
      } catch (err) {
        if (!(err instanceof DecisionError)) throw err;
        if (err.code === 'not_found') throw new HttpError(404, err.message, 'not_found_error');
        throw new HttpError(409, err.message, 'conflict_error');
      }
      const body: EvolutionDecisionResult = { ok: true, evolution: evolutionListItem(e) };
      sendJson(res, 200, body);
    });
  return [
    route('GET', '/v1/admin/evolutions', ({ res, url }) => {
      const { limit, offset } = pageParams(url);
      const raw = url.searchParams.get('outcome');
      const outcome = raw === null || raw === '' ? undefined : (raw as EvolutionOutcome);
      if (outcome !== undefined && !OUTCOMES.includes(outcome))
        throw new HttpError(
          400,
          `outcome must be one of ${OUTCOMES.join(', ')}`,
          'invalid_request_error',
          'outcome',
        );
      const page = read.page({ outcome, limit, offset });
      const body: ListResponse<EvolutionListItem> = {
        object: 'list',
        data: page.rows.map(evolutionListItem),
        total: page.total,
      };
      sendJson(res, 200, body);
    }),
    route('GET', '/v1/admin/evolutions/:id', ({ res, params }) => {
      const id = intParam(params.id, 'id', 1);
      const e = read.get(id);
      if (!e) throw new HttpError(404, `no evolution ${id}`, 'not_found_error');
      sendJson(res, 200, evolutionDetail(e));
    }),
    decide('approve'),
    decide('reject'),
  ];
}
