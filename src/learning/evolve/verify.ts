import type { JsonObject } from '../../protocol/types.js';
import { protocolPair } from '../../server/proxy/pairs.js';
import { fullPiece, HEADER } from '../../skills/budget.js';
import { insertBlock } from '../../skills/inject.js';
import type { SkillOp, SkillRevision } from '../../skills/repository.js';
import type { TurnRecord } from '../../store/turns.js';
import type { ServingBackend } from '../../upstream/types.js';
import type { Judge } from '../judge/judge.js';
import { responseText, turnView } from '../turn-view.js';

export interface VerificationCase {
  turnId: string;
  before: number;
  after: number | null;
  error?: string;
}

export interface Verification {
  accepted: boolean;
  reason: string;
  cases: VerificationCase[];
}

/**
 * Replay each support turn's request with the candidate library through the serving backend and
 * judge the new answer. The candidate block holds what the live injector would most plausibly
 * show for that turn: the skills it was served with (as updated by the change set, minus retired
 * ones) plus every skill the change set adds or updates. Accept only if no turn gets worse and at
 * least one improves. The original follow-up is not shown to the judge: it answered the old reply.
 */
export async function verifyChangeSet(o: {
  support: TurnRecord[];
  before: Map<string, number>;
  ops: SkillOp[];
  revisionsById: (ids: number[]) => SkillRevision[];
  backend: ServingBackend;
  judge: Judge;
  signal: AbortSignal;
}): Promise<Verification> {
  const changed = new Map<string, { description: string; body: string } | null>();
  for (const op of o.ops) {
    if (op.op === 'put')
      changed.set(op.doc.frontmatter.name, {
        description: op.doc.frontmatter.description,
        body: op.doc.body,
      });
    else if (op.op === 'remove') changed.set(op.name, null);
  }
  const cases: VerificationCase[] = [];
  for (const turn of o.support) {
    const before = o.before.get(turn.id) ?? -1;
    try {
      const pieces = new Map<string, string>();
      for (const r of o.revisionsById(turn.injectedRevisionIds)) {
        const c = changed.has(r.name) ? changed.get(r.name) : r;
        if (c) pieces.set(r.name, fullPiece(r.name, c.description, c.body));
      }
      for (const [name, c] of changed) if (c) pieces.set(name, fullPiece(name, c.description, c.body));
      const answer = await replay(turn, HEADER + [...pieces.values()].join(''), o.backend, o.signal);
      const view = { ...turnView(turn), response: answer };
      const r = await o.judge.score(view, null, o.signal, turn.model);
      cases.push({ turnId: turn.id, before, after: r.score });
    } catch (err) {
      cases.push({ turnId: turn.id, before, after: null, error: (err as Error).message });
    }
  }
  const worse = cases.filter((c) => c.after === null || c.after < c.before);
  const better = cases.filter((c) => c.after !== null && c.after > c.before);
  if (worse.length > 0) {
    return {
      accepted: false,
      reason: `${worse.length} support turn(s) got worse or could not be replayed`,
      cases,
    };
  }
  if (better.length === 0) return { accepted: false, reason: 'no support turn improved', cases };
  return {
    accepted: true,
    reason: `${better.length} of ${cases.length} support turns improved, none got worse`,
    cases,
  };
}

async function replay(
  turn: TurnRecord,
  block: string,
  backend: ServingBackend,
  signal: AbortSignal,
): Promise<string> {
  const { stream_options: _ignored, ...original } = JSON.parse(turn.requestJson) as JsonObject;
  const clientBody: JsonObject = { ...original, stream: false };
  const pair = protocolPair(turn.protocol, backend.protocol);
  let body = pair.toUpstream(clientBody);
  if (backend.model) body = { ...body, model: backend.model };
  body = insertBlock(backend.protocol, body, block);
  const res = await backend.send({
    body,
    payload: JSON.stringify(body),
    stream: false,
    forwardHeaders: {},
    signal,
  });
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(Buffer.from(c));
  const text = Buffer.concat(chunks).toString('utf8');
  if (res.status !== 200) throw new Error(`replay failed: ${backend.name} answered HTTP ${res.status}`);
  const upstreamJson = JSON.parse(text) as JsonObject;
  return responseText(
    turn.protocol,
    pair.same ? upstreamJson : pair.responseToClient(upstreamJson, clientBody),
  );
}
