import { randomBytes } from 'node:crypto';
import { type ParsedAssistant, parseAssistantText } from '../learning/policy/parse.js';
import { type RenderedPrompt, renderChatRequest } from '../learning/policy/render.js';
import type { PolicySampler, SampledSequence, SampleParams } from '../learning/policy/sampler.js';
import type { PolicyTokenizer } from '../learning/policy/tokenizer.js';
import { openAIErrorBody } from '../protocol/error-shapes.js';
import { ProtocolError } from '../protocol/errors.js';
import { isObject } from '../protocol/json.js';
import type { JsonObject } from '../protocol/types.js';
import { toAbortSignal } from './cancel.js';
import {
  type PolicyTrace,
  type ServingBackend,
  type UpstreamCall,
  UpstreamError,
  type UpstreamResponse,
} from './types.js';

export interface PolicyBackendOptions {
  tokenizer: PolicyTokenizer;
  sampler: PolicySampler;
  /** Ceiling on sampled tokens (`serving.policy.max_tokens`); requests may only ask for fewer. */
  maxTokens: number;
  temperature: number;
  /** Stop token ids. */
  stop: number[];
  /** Model id recorded on turns (`serving.policy.model_id`). */
  model?: string;
  /** Deterministic ids in tests. */
  newId?: (prefix: string) => string;
}

const encoder = new TextEncoder();

/**
 * Serves OpenAI Chat calls from a trainable policy: render with the model's chat template → sample
 * → parse the sampled tokens back into an assistant message. Each response carries the exact
 * prompt/response token ids and logprobs (`UpstreamResponse.policy`) for the recorder, so training
 * never re-tokenises text.
 *
 * Streams are valid `chat.completion.chunk` SSE, but emitted once sampling completes (the sampler
 * port returns whole sequences), not token by token.
 */
export class PolicyBackend implements ServingBackend {
  readonly protocol = 'openai-chat' as const;
  readonly model?: string;
  private current: PolicySampler;
  private readonly newId: (prefix: string) => string;

  constructor(private readonly opts: PolicyBackendOptions) {
    this.current = opts.sampler;
    this.model = opts.model;
    this.newId = opts.newId ?? ((p) => `${p}${randomBytes(12).toString('hex')}`);
  }

  get name(): string {
    return `policy sampler ${this.current.name} (version ${this.current.version})`;
  }

  /** The sampler new requests start on. */
  get sampler(): PolicySampler {
    return this.current;
  }

  /** Put new weights live: the next request samples from `s`; requests already running keep theirs. */
  setSampler(s: PolicySampler): void {
    this.current = s;
  }

  async send(call: UpstreamCall): Promise<UpstreamResponse> {
    // Snapshot once: the turn's tokens, logprobs and version must all come from one sampler.
    const sampler = this.current;
    let prompt: RenderedPrompt;
    try {
      prompt = renderChatRequest(this.opts.tokenizer, call.body);
    } catch (err) {
      if (err instanceof ProtocolError)
        return jsonResponse(400, openAIErrorBody(err.message, err.type, err.code, err.param));
      throw err;
    }
    const params = this.params(call.body);
    const who = `policy sampler ${sampler.name} (version ${sampler.version})`;
    let sample: SampledSequence;
    try {
      sample = await sampler.sample(prompt.tokens, params, toAbortSignal(call.signal));
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      if (call.signal.aborted) throw new UpstreamError('aborted', `request to ${who} was cancelled`);
      throw new UpstreamError('connect', `${who} failed to sample: ${(err as Error).message}`);
    }
    checkSample(sample, who);
    const replyTokens = withoutFinalStop(sample.tokens, params.stop);
    const parsed = parseAssistantText(this.opts.tokenizer.decode(replyTokens), sample.stopReason, {
      newId: () => this.newId('call_'),
    });
    const policy: PolicyTrace = {
      promptTokenIds: prompt.tokens,
      responseTokenIds: sample.tokens,
      logprobs: sample.logprobs,
      version: sampler.version,
    };
    const reply: Reply = {
      id: this.newId('chatcmpl-'),
      created: Math.floor(Date.now() / 1000),
      model: typeof call.body.model === 'string' ? call.body.model : (this.model ?? 'policy'),
      parsed,
      usage: {
        prompt_tokens: prompt.tokens.length,
        completion_tokens: sample.tokens.length,
        total_tokens: prompt.tokens.length + sample.tokens.length,
      },
    };
    if (!call.stream) return { ...jsonResponse(200, completionBody(reply)), policy };
    const includeUsage =
      isObject(call.body.stream_options) && call.body.stream_options.include_usage === true;
    const events = chunkEvents(reply, includeUsage);
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8' },
      body: (async function* () {
        for (const e of events) yield encoder.encode(e);
      })(),
      discard: () => {},
      policy,
    };
  }

  async listModels(): Promise<UpstreamResponse> {
    const id = this.model ?? 'policy';
    return jsonResponse(200, {
      object: 'list',
      data: [{ id, object: 'model', created: 0, owned_by: 'metaclaw' }],
    });
  }

  async close(): Promise<void> {}

  private params(body: JsonObject): SampleParams {
    const asked = body.max_completion_tokens ?? body.max_tokens;
    const maxTokens =
      typeof asked === 'number' && Number.isInteger(asked) && asked > 0
        ? Math.min(asked, this.opts.maxTokens)
        : this.opts.maxTokens;
    const seed = typeof body.seed === 'number' && Number.isInteger(body.seed) ? body.seed : undefined;
    // The request's temperature is not used: see serving.policy.temperature.
    return { maxTokens, temperature: this.opts.temperature, stop: this.opts.stop, seed };
  }
}

interface Reply {
  id: string;
  created: number;
  model: string;
  parsed: ParsedAssistant;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** A sampler that breaks the token/logprob pairing would poison training: refuse to serve it. */
function checkSample(s: SampledSequence, who: string): void {
  if (!Array.isArray(s.tokens) || !Array.isArray(s.logprobs) || s.tokens.length !== s.logprobs.length) {
    throw new UpstreamError(
      'connect',
      `${who} returned ${s.tokens?.length} tokens but ${s.logprobs?.length} logprobs (they must pair up)`,
    );
  }
  if (!s.tokens.every((t) => Number.isInteger(t) && t >= 0) || !s.logprobs.every((l) => Number.isFinite(l))) {
    throw new UpstreamError('connect', `${who} returned a non-integer token id or a non-finite logprob`);
  }
}

/** The stop token ends the turn; it is recorded with the sample but is not part of the visible reply. */
function withoutFinalStop(tokens: number[], stop: number[]): number[] {
  const last = tokens.at(-1);
  return last !== undefined && stop.includes(last) ? tokens.slice(0, -1) : tokens;
}

function assistantMessage(p: ParsedAssistant): JsonObject {
  const message: JsonObject = { role: 'assistant', content: p.content, refusal: null };
  if (p.reasoning !== null) message.reasoning_content = p.reasoning;
  if (p.toolCalls.length > 0) {
    message.tool_calls = p.toolCalls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return message;
}

function completionBody(r: Reply): JsonObject {
  return {
    id: r.id,
    object: 'chat.completion',
    created: r.created,
    model: r.model,
    choices: [
      { index: 0, message: assistantMessage(r.parsed), logprobs: null, finish_reason: r.parsed.finishReason },
    ],
    usage: r.usage,
  };
}

/** The whole reply as OpenAI's chunk sequence: role, reasoning, content, one delta per tool call, finish. */
function chunkEvents(r: Reply, includeUsage: boolean): string[] {
  const p = r.parsed;
  const chunk = (choices: JsonObject[], usage?: JsonObject | null): string => {
    const c: JsonObject = {
      id: r.id,
      object: 'chat.completion.chunk',
      created: r.created,
      model: r.model,
      choices,
    };
    if (includeUsage) c.usage = usage ?? null;
    return `data: ${JSON.stringify(c)}\n\n`;
  };
  const delta = (d: JsonObject, finish: string | null = null) => [
    { index: 0, delta: d, logprobs: null, finish_reason: finish },
  ];
  const out = [chunk(delta({ role: 'assistant', content: '' }))];
  if (p.reasoning !== null) out.push(chunk(delta({ reasoning_content: p.reasoning })));
  if (p.content) out.push(chunk(delta({ content: p.content })));
  p.toolCalls.forEach((c, index) => {
    const call = { index, id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } };
    out.push(chunk(delta({ tool_calls: [call] })));
  });
  out.push(chunk(delta({}, p.finishReason)));
  if (includeUsage) out.push(chunk([], r.usage));
  out.push('data: [DONE]\n\n');
  return out;
}

function jsonResponse(status: number, body: JsonObject): UpstreamResponse {
  const bytes = encoder.encode(JSON.stringify(body));
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: (async function* () {
      yield bytes;
    })(),
    discard: () => {},
  };
}
