import type { Logger } from 'pino';
import type { JsonObject, WireProtocol } from '../../protocol/types.js';
import type { SessionWrite } from '../../sessions/tracker.js';
import type { TurnKind, TurnRecord, TurnRepository, TurnStatus } from '../../store/turns.js';

/** Everything known about a turn while it is being served; written once, when it ends. */
export interface TurnDraft {
  id: string;
  sessionId: string;
  seq: number;
  kind: TurnKind;
  protocol: WireProtocol;
  upstreamProtocol: WireProtocol | null;
  model: string | null;
  stream: boolean;
  requestText: string;
  /** The upstream request as sent (serialised once, shared with the upstream call). */
  upstreamText: string | null;
  startedAt: number;
  startedHr: bigint;
  ttftMs: number | null;
  libraryGeneration: number;
  injectedRevisionIds: number[];
  policyVersion: number | null;
  /** Session row/prefix writes that ride along with this turn's commit. */
  sessionWrite: SessionWrite;
}

export interface TurnOutcome {
  status: TurnStatus;
  httpStatus: number | null;
  response: JsonObject | null;
  error?: string;
}

export type TurnListener = (turn: TurnRecord) => void;

/** Writes finished turns to the store (synchronously: the commit precedes the response's end). */
export class TurnRecorder {
  private readonly listeners: TurnListener[] = [];
  constructor(
    private readonly repo: TurnRepository,
    private readonly log: Logger,
  ) {}

  onRecorded(l: TurnListener): void {
    this.listeners.push(l);
  }

  record(d: TurnDraft, o: TurnOutcome): TurnRecord | null {
    const usage = o.response?.usage;
    const turn: TurnRecord = {
      id: d.id,
      sessionId: d.sessionId,
      seq: d.seq,
      kind: d.kind,
      protocol: d.protocol,
      upstreamProtocol: d.upstreamProtocol,
      model: d.model,
      stream: d.stream,
      requestJson: d.requestText,
      // Identical bytes are stored once: NULL means "sent exactly as received".
      upstreamRequestJson: d.upstreamText === d.requestText ? null : d.upstreamText,
      responseJson: o.response ? JSON.stringify(o.response) : null,
      status: o.status,
      httpStatus: o.httpStatus,
      error: o.error ?? null,
      startedAt: d.startedAt,
      latencyMs: elapsedMs(d.startedHr),
      ttftMs: d.ttftMs,
      usageJson: usage ? JSON.stringify(usage) : null,
      libraryGeneration: d.libraryGeneration,
      injectedRevisionIds: d.injectedRevisionIds,
      policyVersion: d.policyVersion,
    };
    try {
      this.repo.insert(turn, d.sessionWrite);
    } catch (err) {
      // Losing a turn is bad, but failing the user's request over it is worse: log loudly.
      this.log.error({ err, turnId: d.id }, 'failed to record turn');
      return null;
    }
    for (const l of this.listeners) {
      try {
        l(turn);
      } catch (err) {
        this.log.error({ err, turnId: d.id }, 'turn listener failed');
      }
    }
    return turn;
  }
}

export function elapsedMs(startHr: bigint): number {
  return Number(process.hrtime.bigint() - startHr) / 1e6;
}
