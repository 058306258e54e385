import { reasoningText } from './convert-response.js';
import { isObject, num, obj, objects, str } from './json.js';
import {
  anthropicStopReason,
  anthropicUsageFromOpenAI,
  openAIFinishReason,
  openAIUsageFromAnthropic,
} from './mapping.js';
import type { JsonObject, SseEvent } from './types.js';

/*
 * Incremental stream translators. Each input event is translated as it arrives, so the client sees
 * the first token when the upstream sends it; only block boundaries are tracked.
 */

type OpenBlock = { kind: 'text' } | { kind: 'thinking' } | { kind: 'tool'; toolIndex: number };

function anthropicEvent(type: string, body: JsonObject = {}): SseEvent {
  return { event: type, data: JSON.stringify({ type, ...body }) };
}

/** OpenAI `chat.completion.chunk` objects → Anthropic Messages stream events. */
export class OpenAIToAnthropicStream {
  private started = false;
  private ended = false;
  private id: string;
  private nextIndex = 0;
  private open: OpenBlock | null = null;
  private readonly closedTools = new Set<number>();
  private stopReason: string | null = null;
  private usage: JsonObject | null = null;

  /** `model` is the client's requested model; `id` overrides the `msg_<upstream id>` default. */
  constructor(
    private readonly model: string,
    opts: { id?: string } = {},
  ) {
    this.id = opts.id ?? '';
  }

  push(chunk: JsonObject): SseEvent[] {
    if (this.ended) return [];
    const out: SseEvent[] = [];
    if (!this.id && str(chunk['id'])) this.id = `msg_${str(chunk['id'])}`;
    this.start(out);
    if (isObject(chunk['usage'])) this.usage = anthropicUsageFromOpenAI(chunk['usage']);
    // n>1 is refused before conversion, so only choice 0 exists in practice.
    const choice = objects(chunk['choices']).find((c) => (num(c['index']) ?? 0) === 0);
    if (choice) {
      const delta = obj(choice['delta']);
      const reasoning = reasoningText(delta);
      if (reasoning) this.delta(out, { kind: 'thinking' }, { type: 'thinking_delta', thinking: reasoning });
      const text = (str(delta['content']) ?? '') + (str(delta['refusal']) ?? '');
      if (text) this.delta(out, { kind: 'text' }, { type: 'text_delta', text });
      for (const tc of objects(delta['tool_calls'])) this.toolDelta(out, tc);
      if (choice['finish_reason'] != null) {
        this.closeBlock(out);
        this.stopReason = anthropicStopReason(choice['finish_reason']);
      }
    }
    // The usage chunk follows the finish chunk when include_usage is on; end once both are known.
    if (this.stopReason !== null && this.usage !== null) this.end(out);
    return out;
  }

  /** Upstream ended: close whatever is open; a stream without finish_reason ends as end_turn. */
  finish(): SseEvent[] {
    if (this.ended) return [];
    const out: SseEvent[] = [];
    this.start(out);
    this.closeBlock(out);
    this.end(out);
    return out;
  }

  private start(out: SseEvent[]): void {
    if (this.started) return;
    this.started = true;
    const message = {
      id: this.id || 'msg_metaclaw',
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Input tokens are unknown until the usage chunk; message_delta reports the real count.
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    out.push(anthropicEvent('message_start', { message }), anthropicEvent('ping'));
  }

  private end(out: SseEvent[]): void {
    this.ended = true;
    const delta = { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: null };
    out.push(
      anthropicEvent('message_delta', { delta, usage: this.usage ?? { output_tokens: 0 } }),
      anthropicEvent('message_stop'),
    );
  }

  private delta(out: SseEvent[], want: OpenBlock, delta: JsonObject): void {
    if (this.open?.kind !== want.kind) {
      this.closeBlock(out);
      const block =
        want.kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
      this.openBlock(out, want, block);
    }
    out.push(anthropicEvent('content_block_delta', { index: this.nextIndex - 1, delta }));
  }

  private toolDelta(out: SseEvent[], tc: JsonObject): void {
    const current = this.open?.kind === 'tool' ? this.open.toolIndex : undefined;
    const toolIndex = num(tc['index']) ?? current ?? 0;
    const fn = obj(tc['function']);
    if (toolIndex !== current) {
      // Anthropic blocks are strictly sequential: a call, once closed, cannot receive more input.
      if (this.closedTools.has(toolIndex)) {
        throw new Error(
          `upstream stream returned to tool call ${toolIndex} after it ended; cannot translate`,
        );
      }
      this.closeBlock(out);
      const id = str(tc['id']) ?? `toolu_${this.id}_${toolIndex}`;
      const block = { type: 'tool_use', id, name: str(fn['name']) ?? '', input: {} };
      this.openBlock(out, { kind: 'tool', toolIndex }, block);
    }
    const args = str(fn['arguments']);
    if (args) {
      const delta = { type: 'input_json_delta', partial_json: args };
      out.push(anthropicEvent('content_block_delta', { index: this.nextIndex - 1, delta }));
    }
  }

  private openBlock(out: SseEvent[], kind: OpenBlock, block: JsonObject): void {
    this.open = kind;
    out.push(anthropicEvent('content_block_start', { index: this.nextIndex, content_block: block }));
    this.nextIndex += 1;
  }

  private closeBlock(out: SseEvent[]): void {
    if (!this.open) return;
    if (this.open.kind === 'tool') this.closedTools.add(this.open.toolIndex);
    this.open = null;
    out.push(anthropicEvent('content_block_stop', { index: this.nextIndex - 1 }));
  }
}

export interface AnthropicToOpenAIStreamOptions {
  /** Chunk id; defaults to the Anthropic message id. */
  id?: string;
  /** Model reported to the client; defaults to the upstream's. */
  model?: string;
  /** The client asked for `stream_options.include_usage`: end with a usage-only chunk. */
  includeUsage: boolean;
  /** Unix seconds for `created`; defaults to when the translator was made. */
  created?: number;
}

/** Anthropic Messages stream events → OpenAI `chat.completion.chunk` objects (the caller writes `[DONE]`). */
export class AnthropicToOpenAIStream {
  private id: string;
  private model: string;
  private readonly created: number;
  private started = false;
  private finished = false;
  private usageSent = false;
  private usage: JsonObject = {};
  /** Anthropic block index → OpenAI tool_calls index, for tool_use blocks only. */
  private readonly toolIndex = new Map<number, number>();
  /** Tool calls that have received argument text; the others get "{}" when their block stops. */
  private readonly toolHasArgs = new Set<number>();

  constructor(private readonly opts: AnthropicToOpenAIStreamOptions) {
    this.id = opts.id ?? '';
    this.model = opts.model ?? '';
    this.created = opts.created ?? Math.floor(Date.now() / 1000);
  }

  push(eventName: string, data: JsonObject): JsonObject[] {
    const out: JsonObject[] = [];
    switch (eventName) {
      case 'message_start': {
        const m = obj(data['message']);
        if (!this.opts.id) this.id = str(m['id']) ?? '';
        if (!this.opts.model) this.model = str(m['model']) ?? '';
        this.usage = { ...obj(m['usage']) };
        this.start(out);
        break;
      }
      case 'content_block_start':
        this.start(out);
        this.blockStart(out, num(data['index']) ?? 0, obj(data['content_block']));
        break;
      case 'content_block_delta':
        this.start(out);
        this.blockDelta(out, num(data['index']) ?? 0, obj(data['delta']));
        break;
      case 'content_block_stop': {
        // An argument-less call streams no fragment; OpenAI clients JSON.parse the arguments, so "" won't do.
        const i = this.toolIndex.get(num(data['index']) ?? -1);
        if (i !== undefined && !this.toolHasArgs.has(i)) {
          this.toolHasArgs.add(i);
          out.push(this.chunk({ tool_calls: [{ index: i, function: { arguments: '{}' } }] }));
        }
        break;
      }
      case 'message_delta': {
        for (const [k, v] of Object.entries(obj(data['usage']))) if (v != null) this.usage[k] = v;
        this.start(out);
        this.finished = true;
        out.push(this.chunk({}, openAIFinishReason(obj(data['delta'])['stop_reason'])));
        break;
      }
      case 'message_stop':
        this.usageChunk(out);
        break;
      default:
        // ping, error: nothing to say in chunk form (errors are the caller's to relay).
        break;
    }
    return out;
  }

  /** Upstream ended: supply the role chunk, finish_reason and usage chunk if they never came. */
  finish(): JsonObject[] {
    const out: JsonObject[] = [];
    this.start(out);
    if (!this.finished) {
      this.finished = true;
      out.push(this.chunk({}, 'stop'));
    }
    this.usageChunk(out);
    return out;
  }

  private start(out: JsonObject[]): void {
    if (this.started) return;
    this.started = true;
    out.push(this.chunk({ role: 'assistant', content: '' }));
  }

  private blockStart(out: JsonObject[], index: number, block: JsonObject): void {
    if (block['type'] === 'tool_use') {
      const i = this.toolIndex.size;
      this.toolIndex.set(index, i);
      const call = {
        index: i,
        id: block['id'],
        type: 'function',
        function: { name: block['name'], arguments: '' },
      };
      out.push(this.chunk({ tool_calls: [call] }));
    } else if (block['type'] === 'text' && str(block['text'])) {
      out.push(this.chunk({ content: block['text'] }));
    } else if (block['type'] === 'thinking' && str(block['thinking'])) {
      out.push(this.chunk({ reasoning_content: block['thinking'] }));
    }
  }

  private blockDelta(out: JsonObject[], index: number, delta: JsonObject): void {
    const type = delta['type'];
    if (type === 'text_delta' && str(delta['text'])) out.push(this.chunk({ content: delta['text'] }));
    else if (type === 'thinking_delta' && str(delta['thinking'])) {
      out.push(this.chunk({ reasoning_content: delta['thinking'] }));
    } else if (type === 'input_json_delta' && str(delta['partial_json'])) {
      const i = this.toolIndex.get(index);
      if (i === undefined) return;
      this.toolHasArgs.add(i);
      out.push(this.chunk({ tool_calls: [{ index: i, function: { arguments: delta['partial_json'] } }] }));
    }
  }

  private usageChunk(out: JsonObject[]): void {
    if (!this.opts.includeUsage || this.usageSent) return;
    this.usageSent = true;
    out.push({ ...this.head(), choices: [], usage: openAIUsageFromAnthropic(this.usage) });
  }

  private head(): JsonObject {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }

  private chunk(delta: JsonObject, finishReason: string | null = null): JsonObject {
    return { ...this.head(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] };
  }
}
