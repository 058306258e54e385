import {
  AnthropicStreamAssembler,
  AnthropicToOpenAIStream,
  anthropicToOpenAIRequest,
  anthropicToOpenAIResponse,
  OpenAIChatStreamAssembler,
  OpenAIToAnthropicStream,
  openAIToAnthropicRequest,
  openAIToAnthropicResponse,
} from '../../protocol/index.js';
import type { JsonObject, SseEvent, WireProtocol } from '../../protocol/types.js';
import { responsesAssembler, responsesOverAnthropic, responsesOverChat } from './pairs-responses.js';

/** Collects a client-protocol stream into the final response object it stands for. */
export interface ClientAssembler {
  /** Feed one client-protocol event; returns true when it is the stream's terminal event. */
  push(ev: SseEvent): boolean;
  result(): JsonObject;
  readonly sawContent: boolean;
  /** Set when the terminal event reports a failure (Responses `response.failed` / `error`). */
  readonly failure?: string | null;
  /** In-band error events continuing this stream; protocols without them use a generic shape. */
  errorEvents?(message: string): SseEvent[];
}

/** Translates upstream-protocol events into client-protocol events, incrementally. */
export interface StreamTranslator {
  push(ev: SseEvent): SseEvent[];
  finish(): SseEvent[];
}

/** How one (client protocol, upstream protocol) pair converts requests, responses and streams. */
export interface ProtocolPair {
  same: boolean;
  toUpstream(body: JsonObject): JsonObject;
  responseToClient(upstream: JsonObject, clientBody: JsonObject): JsonObject;
  translator(clientBody: JsonObject): StreamTranslator | null;
  assembler(): ClientAssembler;
}

export interface PairOptions {
  /** Where a translation notes what it left out (at debug). */
  log?: { debug(obj: object, msg: string): void };
}

const DEFAULT_ANTHROPIC_MAX_TOKENS = 8192;

export function protocolPair(
  client: WireProtocol,
  upstream: WireProtocol,
  opts: PairOptions = {},
): ProtocolPair {
  if (client === upstream) {
    return {
      same: true,
      toUpstream: (b) => b,
      responseToClient: (r) => r,
      translator: () => null,
      assembler: () => assemblerFor(client),
    };
  }
  if (client === 'anthropic-messages' && upstream === 'openai-chat') {
    return {
      same: false,
      toUpstream: (b) => anthropicToOpenAIRequest(b),
      responseToClient: (r, body) => openAIToAnthropicResponse(r, String(body.model ?? '')),
      translator: (body) => {
        const t = new OpenAIToAnthropicStream(String(body.model ?? ''));
        return {
          push: (ev) => (ev.data === '[DONE]' ? [] : t.push(JSON.parse(ev.data) as JsonObject)),
          finish: () => t.finish(),
        };
      },
      assembler: () => assemblerFor(client),
    };
  }
  if (client === 'openai-chat' && upstream === 'anthropic-messages') {
    return {
      same: false,
      toUpstream: (b) => openAIToAnthropicRequest(b, { defaultMaxTokens: DEFAULT_ANTHROPIC_MAX_TOKENS }),
      responseToClient: (r) => anthropicToOpenAIResponse(r),
      translator: (body) => {
        const includeUsage = Boolean((body.stream_options as JsonObject | undefined)?.include_usage);
        const t = new AnthropicToOpenAIStream({ model: String(body.model ?? ''), includeUsage });
        let done = false;
        const finishOnce = (chunks: JsonObject[]): SseEvent[] => {
          const out = chunks.map((c) => ({ data: JSON.stringify(c) }));
          if (!done) {
            done = true;
            out.push({ data: '[DONE]' });
          }
          return out;
        };
        return {
          push: (ev) => {
            const data = JSON.parse(ev.data) as JsonObject;
            const name = ev.event ?? String(data.type ?? '');
            const chunks = t.push(name, data).map((c) => ({ data: JSON.stringify(c) }));
            return name === 'message_stop' ? [...chunks, ...finishOnce(t.finish())] : chunks;
          },
          finish: () => (done ? [] : finishOnce(t.finish())),
        };
      },
      assembler: () => assemblerFor(client),
    };
  }
  if (client === 'openai-responses' && upstream === 'openai-chat') return responsesOverChat(opts);
  if (client === 'openai-responses' && upstream === 'anthropic-messages') {
    return responsesOverAnthropic(DEFAULT_ANTHROPIC_MAX_TOKENS, opts);
  }
  throw new Error(`no conversion from ${client} to ${upstream}`);
}

function assemblerFor(protocol: WireProtocol): ClientAssembler {
  if (protocol === 'openai-chat') {
    const a = new OpenAIChatStreamAssembler();
    return {
      push(ev) {
        if (ev.data === '[DONE]') return true;
        a.push(JSON.parse(ev.data) as JsonObject);
        return false;
      },
      result: () => a.result(),
      get sawContent() {
        return a.sawContent;
      },
    };
  }
  if (protocol === 'anthropic-messages') {
    const a = new AnthropicStreamAssembler();
    let content = false;
    return {
      push(ev) {
        const data = JSON.parse(ev.data) as JsonObject;
        const name = ev.event ?? String(data.type ?? '');
        a.push(name, data);
        if (name === 'content_block_start' || name === 'content_block_delta') content = true;
        return name === 'message_stop';
      },
      result: () => a.result(),
      get sawContent() {
        return content;
      },
    };
  }
  if (protocol === 'openai-responses') return responsesAssembler();
  throw new Error(`no stream assembler for ${protocol}`);
}
