import { isObject, num, obj, str } from '../json.js';
import type { JsonObject, SseEvent } from '../types.js';
import { failureEvents } from './shape.js';

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * Folds a Responses event stream into the final `response` object, for recording. The terminal
 * event already carries the full response; the items assembled from the deltas stand in when it
 * does not (a stream cut short, or a server that leaves `output` empty). Never throws: it watches
 * upstream bytes in pass-through mode, and a surprise there must not break the relay.
 */
export class ResponsesStreamAssembler {
  private snapshot: JsonObject | null = null;
  private final: JsonObject | null = null;
  private readonly items: JsonObject[] = [];
  private lastSeq = -1;
  private content = false;
  private failureMessage: string | null = null;

  /** True once any output item or delta arrived. */
  get sawContent(): boolean {
    return this.content;
  }

  /** True once response.completed / .incomplete / .failed arrived. */
  get done(): boolean {
    return this.final !== null;
  }

  /** Why the response failed (`response.failed` or an `error` event), else null. */
  get failure(): string | null {
    return this.failureMessage;
  }

  /** Returns true when `data` is the stream's terminal event (or an `error`, which ends it too). */
  push(type: string, data: JsonObject): boolean {
    const seq = num(data['sequence_number']);
    if (seq !== undefined && seq > this.lastSeq) this.lastSeq = seq;
    if (type === 'response.created' || type === 'response.in_progress') {
      if (isObject(data['response'])) this.snapshot = data['response'];
      return false;
    }
    if (TERMINAL.has(type)) {
      const response = obj(data['response']);
      this.final = response;
      if (type === 'response.failed')
        this.failureMessage ??= str(obj(response['error'])['message']) ?? 'failed';
      return true;
    }
    if (type === 'error') {
      this.failureMessage ??= str(data['message']) ?? 'error';
      return true;
    }
    this.apply(type, data);
    return false;
  }

  private apply(type: string, d: JsonObject): void {
    const index = num(d['output_index']);
    if (index === undefined) return;
    if (type === 'response.output_item.added' || type === 'response.output_item.done') {
      if (isObject(d['item'])) this.items[index] = structuredClone(d['item']);
      this.content = true;
      return;
    }
    const item = this.items[index];
    if (!item) return;
    const ci = num(d['content_index']) ?? 0;
    const si = num(d['summary_index']) ?? 0;
    const delta = str(d['delta']) ?? '';
    if (type.endsWith('.delta')) this.content = true;
    switch (type) {
      case 'response.content_part.added':
        if (isObject(d['part'])) listOf(item, 'content')[ci] = structuredClone(d['part']);
        break;
      case 'response.output_text.delta':
      case 'response.reasoning_text.delta':
        append(listOf(item, 'content')[ci], 'text', delta);
        break;
      case 'response.refusal.delta':
        append(listOf(item, 'content')[ci], 'refusal', delta);
        break;
      case 'response.reasoning_summary_part.added':
        if (isObject(d['part'])) listOf(item, 'summary')[si] = structuredClone(d['part']);
        break;
      case 'response.reasoning_summary_text.delta':
        append(listOf(item, 'summary')[si], 'text', delta);
        break;
      case 'response.function_call_arguments.delta':
        item['arguments'] = (str(item['arguments']) ?? '') + delta;
        break;
      case 'response.custom_tool_call_input.delta':
        item['input'] = (str(item['input']) ?? '') + delta;
        break;
      default:
        break;
    }
  }

  /** The response as the client would get it without streaming, as far as it is known. */
  result(): JsonObject {
    const items = this.items.filter(isObject);
    if (this.final) {
      const out = Array.isArray(this.final['output']) ? this.final['output'] : [];
      return out.length === 0 && items.length > 0 ? { ...this.final, output: items } : this.final;
    }
    return { ...(this.snapshot ?? { object: 'response', status: 'in_progress' }), output: items };
  }

  /** In-band failure events that continue this stream's sequence numbers. */
  failureEvents(message: string): SseEvent[] {
    return failureEvents(this.snapshot ? this.result() : null, this.lastSeq + 1, message);
  }
}

function listOf(item: JsonObject, key: string): unknown[] {
  if (!Array.isArray(item[key])) item[key] = [];
  return item[key] as unknown[];
}

function append(target: unknown, key: string, delta: string): void {
  if (isObject(target)) target[key] = (str(target[key]) ?? '') + delta;
}
