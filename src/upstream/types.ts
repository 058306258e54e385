import type { JsonObject, WireProtocol } from '../protocol/types.js';
import type { CancelSignal } from './cancel.js';

/** The upstream's answer once its status and headers are in; the body is read as it arrives. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  /** Raw bytes: SSE for streams, JSON otherwise. Consume it or call `discard()`. */
  body: AsyncIterable<Uint8Array>;
  discard(): void;
  /** Set by a trainable policy: the exact tokens behind this answer, recorded on the turn for training. */
  policy?: PolicyTrace;
}

/** Token-exact record of one policy sample (prompt as rendered, reply as sampled). */
export interface PolicyTrace {
  promptTokenIds: number[];
  responseTokenIds: number[];
  /** One per response token, from the sampler. */
  logprobs: number[];
  /** The sampler's policy version. */
  version: number;
}

export interface UpstreamCall {
  body: JsonObject;
  /** `body` serialised once by the caller (the client's own bytes when nothing was changed). */
  payload: string;
  stream: boolean;
  /** Selected client headers worth forwarding (anthropic-beta, anthropic-version …). */
  forwardHeaders: Record<string, string>;
  /** The client went away (a `Cancellation`, or any AbortSignal). */
  signal: CancelSignal;
  /** Path suffix and query from the client, e.g. `?beta=true` for Claude Code. */
  query?: string;
  /** Which of the backend's APIs to call; absent = its own `protocol`. Only ever one it serves. */
  protocol?: WireProtocol;
}

/** Something that serves LLM calls in one wire protocol (an HTTP API, or a trainable policy). */
export interface ServingBackend {
  readonly protocol: WireProtocol;
  /** Human-readable name used in error messages ("openai upstream at https://…"). */
  readonly name: string;
  readonly model?: string;
  /** Also serves the OpenAI Responses API natively, so Responses requests pass through untranslated. */
  readonly servesResponses?: boolean;
  send(call: UpstreamCall): Promise<UpstreamResponse>;
  listModels?(signal: AbortSignal): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export type UpstreamFailure = 'connect' | 'timeout' | 'reset' | 'aborted' | 'too_large';

/** The upstream could not be reached or did not answer in time (not an HTTP error status). */
export class UpstreamError extends Error {
  readonly code = 'upstream_error';
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  /** 504 for timeouts, 502 for everything else the network did. */
  get httpStatus(): number {
    return this.failure === 'timeout' ? 504 : 502;
  }
}
