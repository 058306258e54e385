import type { JsonObject } from '../../protocol/types.js';
import { buildView, type ConversationView } from '../../protocol/view.js';
import { protocolPair } from '../../server/proxy/pairs.js';
import { blockEntries, type CandidateLibrary } from '../../skills/candidate.js';
import type { Selection, SkillInjector } from '../../skills/inject.js';
import type { TurnRecord } from '../../store/turns.js';
import type { ServingBackend } from '../../upstream/types.js';
import type { Judge } from '../judge/judge.js';
import { responseText, turnView } from '../turn-view.js';

/** One skill the candidate library's retrieval put into a support turn's request. */
export interface InjectedSkill {
  name: string;
  /** Full body, or one line. */
  how: 'full' | 'line';
  /** Added or updated by the change set. */
  changed: boolean;
}

export interface VerificationCase {
  turnId: string;
  /** The human's words the turn was retrieved for (shortened). */
  request: string;
  before: number;
  /** The re-judged score; null when not replayed (see `Verification.replayed`) or the replay failed. */
  after: number | null;
  /** What retrieval injected from the candidate library for this turn, best first. */
  injected: InjectedSkill[];
  /** Skills the change set adds or updates that were among them. */
  changedInjected: string[];
  error?: string;
}

export interface Verification {
  accepted: boolean;
  reason: string;
  /** Support turns were replayed and re-judged (false: only the retrieval check ran). */
  replayed: boolean;
  /** Skills the change set adds or updates that retrieval gave to none of the support turns. */
  notRetrieved: string[];
  cases: VerificationCase[];
}

/** A support turn as replay needs it: the client's request (non-streaming) and its view. */
export interface SupportCase {
  turn: TurnRecord;
  body: JsonObject;
  view: ConversationView;
}

export function supportCase(turn: TurnRecord): SupportCase {
  const { stream_options: _ignored, ...original } = JSON.parse(turn.requestJson) as JsonObject;
  const body: JsonObject = { ...original, stream: false };
  return { turn, body, view: buildView(turn.protocol, body) };
}

/**
 * A support turn's "before" score on the judge's scale, so the replay (scored by the judge:
 * -1 failed, 0 unclear, +1 succeeded) is compared like with like. A judge reward is already on
 * that scale. Explicit feedback outranks the judge but is on the user's own scale (any number in
 * [-1, 1]): only its direction carries over — negative feedback means the user said the turn
 * failed (-1), positive that it succeeded (+1). So mild feedback (-0.5) followed by a replay the
 * judge still calls a failure (-1) is "not improved", never "got worse"; it cannot veto a change
 * set that improved other turns. Unrated turns count as failures (they are only support when
 * something rated them negative).
 */
export function verificationBaseline(r: { source: string; score: number } | null): number {
  if (!r) return -1;
  if (r.source === 'judge') return r.score;
  return Math.sign(r.score);
}

const REQUEST_CHARS = 200;
const TURNS_NAMED = 3;

/**
 * Verify a change set through the path live requests take. For each support turn, the candidate
 * library (the live one with the change set applied, nothing committed) is searched with the turn's
 * view exactly as the injector searches the live library, and its block is injected into the
 * client's request where the live injector would put it.
 *
 * (a) Retrieval: every skill the change set adds or updates must be injected for at least one of
 *     its support turns — a skill live retrieval would never show for the failures it was written
 *     for cannot fix them. Checked always (no model calls).
 * (b) Replay (when `replay` is given and (a) holds): each request, with its injection, goes to the
 *     serving backend (converted by the protocol pair, as live) and the new answer is re-judged.
 *     Accepted only if no turn gets worse and at least one improves. The original follow-up is not
 *     shown to the judge: it answered the old reply.
 */
export async function verifyChangeSet(o: {
  support: SupportCase[];
  before: Map<string, number>;
  candidate: CandidateLibrary;
  injector: SkillInjector;
  replay: { backend: ServingBackend; judge: Judge } | null;
  signal: AbortSignal;
}): Promise<Verification> {
  const changedNames = [...o.candidate.changed.keys()];
  const injections = o.support.map((s) => o.injector.injectWith(s.body, s.view, o.candidate));
  const cases: VerificationCase[] = o.support.map((s, i) => {
    const injected = entries(injections[i]!, o.candidate);
    return {
      turnId: s.turn.id,
      request: clip(s.view.request, REQUEST_CHARS),
      before: o.before.get(s.turn.id) ?? -1,
      after: null,
      injected,
      changedInjected: injected.filter((e) => e.changed).map((e) => e.name),
    };
  });
  const notRetrieved = changedNames.filter((n) => !cases.some((c) => c.changedInjected.includes(n)));
  if (notRetrieved.length > 0) {
    const why = notRetrieved.map((name) => {
      const shown = cases
        .slice(0, TURNS_NAMED)
        .map(
          (c) =>
            `skill ${name} was not retrieved for turn ${c.turnId}: retrieval chose [${c.injected.map((e) => e.name).join(', ')}]`,
        );
      if (cases.length > TURNS_NAMED) shown.push(`… and ${cases.length - TURNS_NAMED} more turns`);
      return shown.join('; ');
    });
    return { accepted: false, reason: why.join('; '), replayed: false, notRetrieved, cases };
  }
  if (!o.replay) {
    const reason =
      changedNames.length > 0
        ? `retrieval injects ${changedNames.join(', ')} for its support turns (not replayed)`
        : 'nothing to retrieve (not replayed)';
    return { accepted: true, reason, replayed: false, notRetrieved, cases };
  }
  for (const [i, s] of o.support.entries()) {
    const c = cases[i]!;
    try {
      const answer = await replay(s, injections[i]!.body, o.replay.backend, o.signal);
      const view = { ...turnView(s.turn), response: answer };
      c.after = (await o.replay.judge.score(view, null, o.signal, s.turn.model)).score;
    } catch (err) {
      if (o.signal.aborted) throw err;
      c.error = (err as Error).message;
    }
  }
  const worse = cases.filter((c) => c.after === null || c.after < c.before);
  const better = cases.filter((c) => c.after !== null && c.after > c.before);
  if (worse.length > 0) {
    return {
      accepted: false,
      reason: `${worse.length} support turn(s) got worse or could not be replayed`,
      replayed: true,
      notRetrieved,
      cases,
    };
  }
  if (better.length === 0)
    return { accepted: false, reason: 'no support turn improved', replayed: true, notRetrieved, cases };
  return {
    accepted: true,
    reason: `${better.length} of ${cases.length} support turns improved, none got worse`,
    replayed: true,
    notRetrieved,
    cases,
  };
}

function entries(sel: Selection, candidate: CandidateLibrary): InjectedSkill[] {
  return blockEntries(sel.block, (id) => candidate.names.get(id)).map((e) => ({
    name: e.name,
    how: e.how,
    changed: candidate.changed.get(e.name)?.id === e.id,
  }));
}

/** Send the injected client request to the backend as the live path would; the answer's text. */
async function replay(
  s: SupportCase,
  injected: JsonObject,
  backend: ServingBackend,
  signal: AbortSignal,
): Promise<string> {
  const protocol = s.turn.protocol;
  const upstreamProtocol =
    protocol === 'openai-responses' && backend.servesResponses ? protocol : backend.protocol;
  const pair = protocolPair(protocol, upstreamProtocol);
  let body = pair.toUpstream(injected);
  if (backend.model) body = { ...body, model: backend.model };
  const res = await backend.send({
    body,
    payload: JSON.stringify(body),
    stream: false,
    forwardHeaders: {},
    // A Responses request replayed natively goes to /responses, as the live one did.
    protocol: upstreamProtocol,
    signal,
  });
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(Buffer.from(c));
  const text = Buffer.concat(chunks).toString('utf8');
  if (res.status !== 200) throw new Error(`replay failed: ${backend.name} answered HTTP ${res.status}`);
  const upstreamJson = JSON.parse(text) as JsonObject;
  return responseText(protocol, pair.same ? upstreamJson : pair.responseToClient(upstreamJson, s.body));
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
}
