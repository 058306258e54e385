import { isObject, num, obj, parseJsonObject, str } from './json.js';
import type { JsonObject } from './types.js';

/** Block types whose `input` streams as `input_json_delta` fragments. */
const JSON_INPUT_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

/**
 * Folds Anthropic Messages stream events into the final Message object, exactly as the non-streaming
 * API returns it. Mirrors the official SDK's accumulation (usage overwritten by message_delta's
 * cumulative counters, signature replaced by signature_delta) so recorded turns look the same
 * whichever way they were served.
 */
export class AnthropicStreamAssembler {
  private message: JsonObject | null = null;
  private readonly blocks: JsonObject[] = [];
  /** Raw partial_json per block index, parsed when the block (or the message) completes. */
  private readonly jsonBuffers = new Map<number, string>();
  private finished = false;
  private errorPayload: JsonObject | null = null;

  /** True once `message_stop` arrived. */
  get done(): boolean {
    return this.finished;
  }

  /** The `error` event's data (`{type:'error', error:{type, message}}`), if the stream reported one. */
  get error(): JsonObject | null {
    return this.errorPayload;
  }

  push(eventName: string, data: JsonObject): void {
    switch (eventName) {
      case 'message_start': {
        const m = obj(data['message']);
        this.message = { ...m, usage: { ...obj(m['usage']) } };
        for (const b of Array.isArray(m['content']) ? m['content'] : [])
          if (isObject(b)) this.blocks.push({ ...b });
        return;
      }
      case 'content_block_start': {
        const index = num(data['index']) ?? this.blocks.length;
        this.blocks[index] = { ...obj(data['content_block']) };
        return;
      }
      case 'content_block_delta':
        this.applyDelta(num(data['index']) ?? this.blocks.length - 1, obj(data['delta']));
        return;
      case 'content_block_stop':
        this.settleInput(num(data['index']) ?? this.blocks.length - 1);
        return;
      case 'message_delta':
        this.applyMessageDelta(data);
        return;
      case 'message_stop':
        this.finished = true;
        return;
      case 'error':
        this.errorPayload = data;
        return;
      default:
        // `ping` and future event types carry nothing for the final message.
        return;
    }
  }

  private applyDelta(index: number, delta: JsonObject): void {
    const b = this.blocks[index];
    if (!b) return;
    switch (delta['type']) {
      case 'text_delta':
        b['text'] = (str(b['text']) ?? '') + (str(delta['text']) ?? '');
        return;
      case 'thinking_delta':
        b['thinking'] = (str(b['thinking']) ?? '') + (str(delta['thinking']) ?? '');
        return;
      case 'signature_delta':
        b['signature'] = str(delta['signature']) ?? '';
        return;
      case 'citations_delta':
        b['citations'] = [...(Array.isArray(b['citations']) ? b['citations'] : []), delta['citation']];
        return;
      case 'input_json_delta':
        this.jsonBuffers.set(index, (this.jsonBuffers.get(index) ?? '') + (str(delta['partial_json']) ?? ''));
        return;
      default:
        return;
    }
  }

  /**
   * Tool input is the concatenated JSON; an empty buffer means `{}` (the API streams no fragment for
   * argument-less calls). Unparseable text (a call cut off by max_tokens) also yields `{}`, the only
   * value that keeps the block valid to send back.
   */
  private settleInput(index: number): void {
    const b = this.blocks[index];
    if (!b || !JSON_INPUT_BLOCKS.has(String(b['type']))) return;
    const raw = this.jsonBuffers.get(index);
    if (raw === undefined) {
      if (!isObject(b['input'])) b['input'] = {};
      return;
    }
    b['input'] = raw.trim() === '' ? {} : (parseJsonObject(raw) ?? {});
    this.jsonBuffers.delete(index);
  }

  private applyMessageDelta(data: JsonObject): void {
    this.message ??= { usage: {} };
    for (const [k, v] of Object.entries(obj(data['delta']))) this.message[k] = v;
    // Counters in message_delta are cumulative totals: overwrite, never add; absent/null means unchanged.
    const usage = obj(this.message['usage']);
    for (const [k, v] of Object.entries(obj(data['usage']))) if (v !== null && v !== undefined) usage[k] = v;
    this.message['usage'] = usage;
  }

  result(): JsonObject {
    for (const i of [...this.jsonBuffers.keys()]) this.settleInput(i);
    const m = this.message ?? {};
    return {
      ...m,
      content: this.blocks.filter((b) => b !== undefined).map((b) => ({ ...b })),
    };
  }
}
