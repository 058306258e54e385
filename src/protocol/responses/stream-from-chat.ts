import { reasoningText } from '../convert-response.js';
import { isObject, num, obj, objects, str } from '../json.js';
import type { JsonObject, SseEvent } from '../types.js';
import { metaFromChat } from './response-from-chat.js';
import {
  baseId,
  failureEvents,
  itemIds,
  messageItem,
  type ResponseMeta,
  type ResponseStatus,
  reasoningItem,
  reasoningPart,
  responseEnvelope,
  responsesEvent,
  responsesUsageFromChat,
  statusFromFinish,
  textPart,
} from './shape.js';
import { callItem, customInput, ToolIndex, type ToolRef } from './tools.js';

interface OpenText {
  kind: 'text' | 'reasoning';
  index: number;
  id: string;
  text: string;
}

interface OpenCall {
  index: number;
  id: string;
  callId: string;
  name: string;
  args: string;
  /** The request's tool the call is for, as known when the call was announced (from its name so far). */
  ref: ToolRef;
}

/**
 * `chat.completion.chunk` objects → Responses stream events, each emitted as soon as its chunk
 * arrives. Text and reasoning stream as one item at a time; function calls stay open until the
 * answer ends because Chat servers may interleave the argument fragments of parallel calls.
 * Only function calls stream their arguments: a custom tool's input is the `input` string inside
 * the Chat arguments and a local shell call has no delta events, so those items complete at the end.
 */
export class ChatToResponsesStream {
  private meta: ResponseMeta | null = null;
  private base = 'metaclaw';
  private seq = 0;
  private ended = false;
  private readonly output: JsonObject[] = [];
  private open: OpenText | null = null;
  private readonly calls = new Map<number, OpenCall>();
  private lastCall: number | undefined;
  private callCount = 0;
  private sawText = false;
  private finishReason: unknown = null;
  private usage: JsonObject | null = null;
  private readonly tools: ToolIndex;

  /**
   * `req` is the client's Responses request: its settings are echoed in every `response` object,
   * and its tools say which item each Chat tool call becomes.
   */
  constructor(private readonly req: JsonObject) {
    this.tools = new ToolIndex(req['tools']);
  }

  get done(): boolean {
    return this.ended;
  }

  push(chunk: JsonObject): SseEvent[] {
    if (this.ended) return [];
    // Some Chat servers report a failure in-band, as a chunk holding only `error`.
    if (isObject(chunk['error'])) return this.fail(str(chunk['error']['message']) ?? 'upstream error');
    const out: SseEvent[] = [];
    this.start(out, chunk);
    if (isObject(chunk['usage'])) this.usage = responsesUsageFromChat(chunk['usage']);
    const choice = objects(chunk['choices']).find((c) => (num(c['index']) ?? 0) === 0);
    if (choice) {
      const delta = obj(choice['delta']);
      const reasoning = reasoningText(delta);
      if (reasoning) this.streamText(out, 'reasoning', reasoning);
      const text = (str(delta['content']) ?? '') + (str(delta['refusal']) ?? '');
      if (text) this.streamText(out, 'text', text);
      for (const tc of objects(delta['tool_calls'])) this.toolDelta(out, tc);
      if (choice['finish_reason'] != null && this.finishReason === null) {
        this.finishReason = choice['finish_reason'];
        this.closeAll(out);
      }
    }
    // With include_usage the usage chunk follows the finish chunk; end once both are in.
    if (this.finishReason !== null && this.usage !== null) this.end(out);
    return out;
  }

  /** The upstream ended (`[DONE]` or end of body): close what is open and complete the response. */
  finish(): SseEvent[] {
    if (this.ended) return [];
    const out: SseEvent[] = [];
    this.start(out, {});
    this.closeAll(out);
    this.end(out);
    return out;
  }

  /** End the stream as failed: `error` then `response.failed`, with what was produced so far. */
  fail(message: string, code = 'server_error'): SseEvent[] {
    if (this.ended) return [];
    const out: SseEvent[] = [];
    this.start(out, {});
    this.ended = true;
    const partial = this.envelope('in_progress', this.output.filter(Boolean), null);
    const events = failureEvents(partial, this.seq, message, code);
    this.seq += events.length;
    return [...out, ...events];
  }

  private emit(out: SseEvent[], type: string, fields: JsonObject): void {
    out.push(responsesEvent(type, this.seq++, fields));
  }

  private envelope(status: ResponseStatus, output: JsonObject[], usage: JsonObject | null, reason?: string) {
    const meta = this.meta ?? metaFromChat({}, this.req);
    return responseEnvelope(this.req, meta, status, output, usage, { incompleteReason: reason });
  }

  private start(out: SseEvent[], chunk: JsonObject): void {
    if (this.meta) return;
    this.base = baseId(chunk['id']);
    this.meta = metaFromChat(chunk, this.req);
    const response = this.envelope('in_progress', [], null);
    this.emit(out, 'response.created', { response });
    this.emit(out, 'response.in_progress', { response });
  }

  private end(out: SseEvent[]): void {
    this.ended = true;
    const { status, incompleteReason } = statusFromFinish(this.finishReason);
    const response = this.envelope(status, this.output, this.usage, incompleteReason);
    this.emit(out, status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  }

  /** First item of a kind keeps the plain id, so a streamed answer matches its non-streamed twin. */
  private itemId(kind: 'text' | 'reasoning', index: number): string {
    const id = kind === 'text' ? itemIds.message(this.base) : itemIds.reasoning(this.base);
    return this.output.some((o, i) => i < index && o?.['id'] === id) ? `${id}_${index}` : id;
  }

  private streamText(out: SseEvent[], kind: OpenText['kind'], delta: string): void {
    if (this.open?.kind !== kind) {
      this.closeOpen(out);
      this.openText(out, kind);
    }
    const o = this.open!;
    o.text += delta;
    const at = { item_id: o.id, output_index: o.index, content_index: 0 };
    if (kind === 'text') this.emit(out, 'response.output_text.delta', { ...at, delta, logprobs: [] });
    else this.emit(out, 'response.reasoning_text.delta', { ...at, delta });
  }

  private openText(out: SseEvent[], kind: OpenText['kind']): void {
    const index = this.output.length;
    this.output.length = index + 1;
    const id = this.itemId(kind, index);
    this.open = { kind, index, id, text: '' };
    if (kind === 'text') this.sawText = true;
    const item = kind === 'text' ? messageItem(id, null) : reasoningItem(id, null);
    const part = kind === 'text' ? textPart('') : reasoningPart('');
    this.emit(out, 'response.output_item.added', { output_index: index, item });
    this.emit(out, 'response.content_part.added', {
      item_id: id,
      output_index: index,
      content_index: 0,
      part,
    });
  }

  private closeOpen(out: SseEvent[]): void {
    const o = this.open;
    if (!o) return;
    this.open = null;
    const at = { item_id: o.id, output_index: o.index, content_index: 0 };
    let item: JsonObject;
    if (o.kind === 'text') {
      this.emit(out, 'response.output_text.done', { ...at, text: o.text, logprobs: [] });
      this.emit(out, 'response.content_part.done', { ...at, part: textPart(o.text) });
      item = messageItem(o.id, o.text);
    } else {
      this.emit(out, 'response.reasoning_text.done', { ...at, text: o.text });
      this.emit(out, 'response.content_part.done', { ...at, part: reasoningPart(o.text) });
      item = reasoningItem(o.id, o.text);
    }
    this.output[o.index] = item;
    this.emit(out, 'response.output_item.done', { output_index: o.index, item });
  }

  private toolDelta(out: SseEvent[], tc: JsonObject): void {
    const key = num(tc['index']) ?? this.lastCall ?? 0;
    this.lastCall = key;
    const fn = obj(tc['function']);
    let call = this.calls.get(key);
    if (!call) {
      this.closeOpen(out);
      const index = this.output.length;
      this.output.length = index + 1;
      const id = itemIds.call(this.base, this.callCount++);
      const name = str(fn['name']) ?? '';
      call = { index, id, callId: str(tc['id']) || id, name, args: '', ref: this.tools.ref(name) };
      this.calls.set(key, call);
      const item = callItem(call.ref, id, call.callId, null);
      this.emit(out, 'response.output_item.added', { output_index: index, item });
    } else if (str(fn['name'])) {
      call.name += str(fn['name']);
    }
    const delta = str(fn['arguments']);
    if (!delta) return;
    call.args += delta;
    if (call.ref.kind === 'function') {
      this.emit(out, 'response.function_call_arguments.delta', {
        item_id: call.id,
        output_index: call.index,
        delta,
      });
    }
  }

  private closeAll(out: SseEvent[]): void {
    this.closeOpen(out);
    if (!this.sawText && this.callCount === 0) {
      // Nothing said at all: an empty message still closes the turn for the client.
      this.openText(out, 'text');
      this.closeOpen(out);
    }
    for (const c of [...this.calls.values()].sort((a, b) => a.index - b.index)) {
      // The full name is known now (servers may send it in pieces): the done item is what clients keep.
      const ref = this.tools.ref(c.name);
      const item = callItem(ref, c.id, c.callId, c.args);
      const at = { item_id: c.id, output_index: c.index };
      if (ref.kind === 'function') {
        this.emit(out, 'response.function_call_arguments.done', {
          ...at,
          arguments: item['arguments'],
          name: item['name'],
        });
      } else if (ref.kind === 'custom') {
        const input = customInput(c.args);
        if (input) this.emit(out, 'response.custom_tool_call_input.delta', { ...at, delta: input });
        this.emit(out, 'response.custom_tool_call_input.done', { ...at, input });
      }
      this.output[c.index] = item;
      this.emit(out, 'response.output_item.done', { output_index: c.index, item });
    }
    // Closed calls are done: a stray fragment after the finish opens a new item, never reopens one.
    this.calls.clear();
  }
}
