import { isObject, num, obj, objects, str } from './json.js';
import type { JsonObject } from './types.js';

interface ToolCallState {
  id: string;
  type: string;
  name: string;
  arguments: string;
}

interface ChoiceState {
  role: string;
  content: string;
  /** Reasoning text per field name: backends disagree (`reasoning_content` vs `reasoning`). */
  reasoning: Map<string, string>;
  refusal: string | null;
  sawRefusalKey: boolean;
  toolCalls: Map<number, ToolCallState>;
  functionCall: { name: string; arguments: string } | null;
  annotations: unknown[] | null;
  finishReason: unknown;
  logprobs: { content: unknown[] | null; refusal: unknown[] | null } | null;
}

const REASONING_KEYS = ['reasoning_content', 'reasoning'] as const;

/**
 * Folds `chat.completion.chunk` objects into the `chat.completion` the same request would have
 * returned without streaming. Used to record streamed turns exactly like non-streamed ones.
 */
export class OpenAIChatStreamAssembler {
  private id: unknown;
  private created: unknown;
  private model: unknown;
  private systemFingerprint: unknown;
  private serviceTier: unknown;
  private usage: unknown;
  private readonly choices = new Map<number, ChoiceState>();
  private content = false;

  /** True once any delta carried text, reasoning, a refusal or a tool call. */
  get sawContent(): boolean {
    return this.content;
  }

  push(chunk: JsonObject): void {
    this.id ??= chunk['id'];
    this.created ??= chunk['created'];
    this.model ??= chunk['model'];
    if (chunk['system_fingerprint'] != null) this.systemFingerprint = chunk['system_fingerprint'];
    if (chunk['service_tier'] != null) this.serviceTier = chunk['service_tier'];
    // The include_usage chunk (empty choices) carries the totals; some backends repeat usage on every
    // chunk, in which case the last one is the cumulative figure.
    if (isObject(chunk['usage'])) this.usage = chunk['usage'];
    for (const choice of objects(chunk['choices'])) this.pushChoice(choice);
  }

  private state(index: number): ChoiceState {
    let s = this.choices.get(index);
    if (!s) {
      s = {
        role: 'assistant',
        content: '',
        reasoning: new Map(),
        refusal: null,
        sawRefusalKey: false,
        toolCalls: new Map(),
        functionCall: null,
        annotations: null,
        finishReason: null,
        logprobs: null,
      };
      this.choices.set(index, s);
    }
    return s;
  }

  private pushChoice(choice: JsonObject): void {
    const s = this.state(num(choice['index']) ?? 0);
    if (choice['finish_reason'] != null) s.finishReason = choice['finish_reason'];
    if (isObject(choice['logprobs'])) {
      s.logprobs ??= { content: null, refusal: null };
      const lp = choice['logprobs'];
      if (Array.isArray(lp['content']))
        s.logprobs.content = [...(s.logprobs.content ?? []), ...lp['content']];
      if (Array.isArray(lp['refusal']))
        s.logprobs.refusal = [...(s.logprobs.refusal ?? []), ...lp['refusal']];
    }
    const delta = obj(choice['delta']);
    const role = str(delta['role']);
    if (role) s.role = role;
    const text = str(delta['content']);
    if (text) {
      s.content += text;
      this.content = true;
    }
    for (const key of REASONING_KEYS) {
      const r = str(delta[key]);
      if (r) {
        s.reasoning.set(key, (s.reasoning.get(key) ?? '') + r);
        this.content = true;
      }
    }
    if ('refusal' in delta) s.sawRefusalKey = true;
    const refusal = str(delta['refusal']);
    if (refusal) {
      s.refusal = (s.refusal ?? '') + refusal;
      this.content = true;
    }
    if (Array.isArray(delta['annotations']))
      s.annotations = [...(s.annotations ?? []), ...delta['annotations']];
    for (const tc of objects(delta['tool_calls'])) {
      this.content = true;
      // Deltas for several calls may interleave; `index` says which call a fragment belongs to.
      const idx = num(tc['index']) ?? s.toolCalls.size;
      let call = s.toolCalls.get(idx);
      if (!call) {
        call = { id: '', type: 'function', name: '', arguments: '' };
        s.toolCalls.set(idx, call);
      }
      const fn = obj(tc['function']);
      if (str(tc['id'])) call.id = str(tc['id'])!;
      if (str(tc['type'])) call.type = str(tc['type'])!;
      call.name += str(fn['name']) ?? '';
      call.arguments += str(fn['arguments']) ?? '';
    }
    if (isObject(delta['function_call'])) {
      this.content = true;
      s.functionCall ??= { name: '', arguments: '' };
      s.functionCall.name += str(delta['function_call']['name']) ?? '';
      s.functionCall.arguments += str(delta['function_call']['arguments']) ?? '';
    }
  }

  result(): JsonObject {
    const out: JsonObject = {
      id: this.id ?? '',
      object: 'chat.completion',
      created: this.created ?? 0,
      model: this.model ?? '',
      choices: [...this.choices.entries()].sort(([a], [b]) => a - b).map(([i, s]) => choiceResult(i, s)),
    };
    if (this.usage !== undefined) out['usage'] = this.usage;
    if (this.serviceTier !== undefined) out['service_tier'] = this.serviceTier;
    if (this.systemFingerprint !== undefined) out['system_fingerprint'] = this.systemFingerprint;
    return out;
  }
}

function choiceResult(index: number, s: ChoiceState): JsonObject {
  const message: JsonObject = { role: s.role, content: s.content === '' ? null : s.content };
  for (const [key, text] of s.reasoning) message[key] = text;
  if (s.sawRefusalKey || s.refusal !== null) message['refusal'] = s.refusal;
  if (s.annotations) message['annotations'] = s.annotations;
  if (s.toolCalls.size > 0) {
    message['tool_calls'] = [...s.toolCalls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, c]) => ({ id: c.id, type: c.type, function: { name: c.name, arguments: c.arguments } }));
  }
  if (s.functionCall) message['function_call'] = s.functionCall;
  return { index, message, logprobs: s.logprobs, finish_reason: s.finishReason };
}
