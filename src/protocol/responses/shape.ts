import { isObject, num, obj, str } from '../json.js';
import type { JsonObject, SseEvent } from '../types.js';

/*
 * Building blocks of the Responses API's answer shape, shared by the non-stream converter, the stream
 * translator and the stream assembler so that a streamed and a non-streamed answer come out equal.
 */

/** What identifies one response: its id, creation time and the model reported to the client. */
export interface ResponseMeta {
  id: string;
  createdAt: number;
  model: string;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/**
 * The `response` object. Request settings are echoed back as the real API does; `store` is false
 * because a translated response is not kept anywhere it could be retrieved from.
 */
export function responseEnvelope(
  req: JsonObject,
  meta: ResponseMeta,
  status: ResponseStatus,
  output: JsonObject[],
  usage: JsonObject | null,
  extra: { incompleteReason?: string; error?: JsonObject } = {},
): JsonObject {
  const reasoning = obj(req['reasoning']);
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status,
    error: extra.error ?? null,
    incomplete_details: extra.incompleteReason ? { reason: extra.incompleteReason } : null,
    instructions: req['instructions'] ?? null,
    max_output_tokens: req['max_output_tokens'] ?? null,
    metadata: req['metadata'] ?? {},
    model: meta.model,
    output,
    parallel_tool_calls: req['parallel_tool_calls'] ?? true,
    previous_response_id: null,
    reasoning: { effort: reasoning['effort'] ?? null, summary: reasoning['summary'] ?? null },
    store: false,
    temperature: req['temperature'] ?? 1,
    text: req['text'] ?? { format: { type: 'text' } },
    tool_choice: req['tool_choice'] ?? 'auto',
    tools: req['tools'] ?? [],
    top_p: req['top_p'] ?? 1,
    truncation: req['truncation'] ?? 'disabled',
    usage,
    user: req['user'] ?? null,
  };
}

/** Chat `finish_reason` → the response's status and, when cut short, why. */
export function statusFromFinish(finish: unknown): { status: ResponseStatus; incompleteReason?: string } {
  if (finish === 'length') return { status: 'incomplete', incompleteReason: 'max_output_tokens' };
  if (finish === 'content_filter') return { status: 'incomplete', incompleteReason: 'content_filter' };
  return { status: 'completed' };
}

/** Chat usage → Responses usage; null when the upstream reported none. */
export function responsesUsageFromChat(usage: unknown): JsonObject | null {
  if (!isObject(usage)) return null;
  const input = num(usage['prompt_tokens']) ?? 0;
  const output = num(usage['completion_tokens']) ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: num(obj(usage['prompt_tokens_details'])['cached_tokens']) ?? 0 },
    output_tokens: output,
    output_tokens_details: {
      reasoning_tokens: num(obj(usage['completion_tokens_details'])['reasoning_tokens']) ?? 0,
    },
    total_tokens: num(usage['total_tokens']) ?? input + output,
  };
}

/** The upstream's completion id, made safe to embed in item ids. */
export function baseId(chatId: unknown): string {
  return str(chatId) || 'metaclaw';
}

export const itemIds = {
  response: (base: string) => `resp_${base}`,
  reasoning: (base: string) => `rs_${base}`,
  message: (base: string) => `msg_${base}`,
  call: (base: string, index: number) => `fc_${base}_${index}`,
};

/** Raw chain-of-thought from a non-OpenAI model is reasoning *text*, not a summary. */
export function reasoningItem(id: string, text: string | null): JsonObject {
  return { id, type: 'reasoning', summary: [], content: text === null ? [] : [reasoningPart(text)] };
}

export function reasoningPart(text: string): JsonObject {
  return { type: 'reasoning_text', text };
}

export function messageItem(id: string, text: string | null): JsonObject {
  return {
    id,
    type: 'message',
    status: text === null ? 'in_progress' : 'completed',
    role: 'assistant',
    content: text === null ? [] : [textPart(text)],
  };
}

export function textPart(text: string): JsonObject {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** One Responses stream event: named, and carrying its type and sequence number in the data too. */
export function responsesEvent(type: string, seq: number, fields: JsonObject): SseEvent {
  return { event: type, data: JSON.stringify({ type, sequence_number: seq, ...fields }) };
}

/**
 * How a Responses stream reports a failure once headers are out: an `error` event, then
 * `response.failed` carrying what was produced so far (Codex reads the message from the latter).
 * A stream that never started gets its `response.created` first, since clients expect it first.
 */
export function failureEvents(
  partial: JsonObject | null,
  nextSeq: number,
  message: string,
  code = 'server_error',
): SseEvent[] {
  const out: SseEvent[] = [];
  let seq = nextSeq;
  const base = partial ?? {
    id: itemIds.response('metaclaw'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    error: null,
    output: [],
    usage: null,
  };
  if (!partial) out.push(responsesEvent('response.created', seq++, { response: base }));
  out.push(responsesEvent('error', seq++, { code, message, param: null }));
  const failed = { ...base, status: 'failed', error: { code, message } };
  out.push(responsesEvent('response.failed', seq++, { response: failed }));
  return out;
}
