import type { Logger } from 'pino';
import type { TurnRecord } from '../../store/turns.js';

/** Token counts from any protocol's `usage` object (OpenAI chat, Responses, Anthropic). */
export function usageTokens(usageJson: string | null): { in?: number; out?: number } {
  if (!usageJson) return {};
  try {
    const u = JSON.parse(usageJson) as Record<string, unknown>;
    const num = (...keys: string[]) => {
      for (const k of keys) if (typeof u[k] === 'number') return u[k] as number;
      return undefined;
    };
    return { in: num('prompt_tokens', 'input_tokens'), out: num('completion_tokens', 'output_tokens') };
  } catch {
    return {};
  }
}

/**
 * The one info line per proxied request. Only metadata: never request or response text, never
 * headers (so never a key) — those stay in the store and at debug level.
 */
export function logRequest(
  log: Logger,
  turn: TurnRecord,
  client: string | null | undefined,
  stored = true,
): void {
  const tokens = usageTokens(turn.usageJson);
  log.info(
    {
      protocol: turn.protocol,
      client: client ?? undefined,
      model: turn.model ?? undefined,
      kind: turn.kind,
      status: turn.httpStatus ?? turn.status,
      latencyMs: turn.latencyMs === null ? undefined : Math.round(turn.latencyMs),
      tokensIn: tokens.in,
      tokensOut: tokens.out,
      session: turn.sessionId,
      seq: turn.seq,
      skills: turn.injectedRevisionIds.length,
      stream: turn.stream || undefined,
      // The turn write failed: the client may have been told so (store.on_write_error: fail).
      stored: stored ? undefined : false,
    },
    'request',
  );
}
