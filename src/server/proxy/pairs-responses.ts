import {
  AnthropicToOpenAIStream,
  anthropicToOpenAIResponse,
  ChatToResponsesStream,
  chatToResponsesResponse,
  openAIToAnthropicRequest,
  ResponsesStreamAssembler,
  responsesToChatRequest,
} from '../../protocol/index.js';
import { isObject, str } from '../../protocol/json.js';
import type { JsonObject, SseEvent } from '../../protocol/types.js';
import type { ClientAssembler, PairOptions, ProtocolPair, StreamTranslator } from './pairs.js';

/*
 * A Responses client (Codex) in front of a Chat Completions upstream, and, chained through the
 * Chat <-> Anthropic converters, in front of an Anthropic upstream.
 */

/** Chunks stay JSON objects between the two hops; only the outer ends are SSE text. */
function parse(data: string): JsonObject | null {
  try {
    const v: unknown = JSON.parse(data);
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Translation options that report the tools left out: hosted tools (web_search …) run only inside
 * OpenAI's service, so a Chat upstream cannot be offered them. Only their types are logged.
 */
function toChatOptions(opts: PairOptions) {
  return {
    onDroppedTools: (types: string[]) =>
      opts.log?.debug(
        { tools: types },
        'responses: tools a Chat upstream cannot run left out of the request',
      ),
  };
}

export function responsesOverChat(opts: PairOptions = {}): ProtocolPair {
  return {
    same: false,
    toUpstream: (b) => responsesToChatRequest(b, toChatOptions(opts)),
    responseToClient: (r, body) => chatToResponsesResponse(r, body),
    translator: (body): StreamTranslator => {
      const t = new ChatToResponsesStream(body);
      return {
        push: (ev) => {
          if (ev.data === '[DONE]') return t.finish();
          const chunk = parse(ev.data);
          return chunk ? t.push(chunk) : [];
        },
        finish: () => t.finish(),
      };
    },
    assembler: responsesAssembler,
  };
}

export function responsesOverAnthropic(defaultMaxTokens: number, opts: PairOptions = {}): ProtocolPair {
  return {
    same: false,
    toUpstream: (b) =>
      openAIToAnthropicRequest(responsesToChatRequest(b, toChatOptions(opts)), { defaultMaxTokens }),
    responseToClient: (r, body) => chatToResponsesResponse(anthropicToOpenAIResponse(r), body),
    translator: (body): StreamTranslator => {
      const chat = new AnthropicToOpenAIStream({ includeUsage: true });
      const t = new ChatToResponsesStream(body);
      const relay = (chunks: JsonObject[]) => chunks.flatMap((c) => t.push(c));
      return {
        push: (ev) => {
          const data = parse(ev.data);
          if (!data) return [];
          const name = ev.event ?? String(data['type'] ?? '');
          // Anthropic reports overload and the like in-band; the Responses client gets response.failed.
          if (name === 'error')
            return t.fail(str((data['error'] as JsonObject)?.['message']) ?? 'upstream error');
          const out = relay(chat.push(name, data));
          return name === 'message_stop' ? [...out, ...relay(chat.finish()), ...t.finish()] : out;
        },
        finish: () => [...relay(chat.finish()), ...t.finish()],
      };
    },
    assembler: responsesAssembler,
  };
}

export function responsesAssembler(): ClientAssembler {
  const a = new ResponsesStreamAssembler();
  return {
    push(ev: SseEvent) {
      const data = parse(ev.data);
      if (!data) return false;
      return a.push(ev.event ?? String(data['type'] ?? ''), data);
    },
    result: () => a.result(),
    get sawContent() {
      return a.sawContent;
    },
    get failure() {
      return a.failure;
    },
    errorEvents: (message) => a.failureEvents(message),
  };
}
