import { type TokenUsage, usageOf } from '../../store/learning-usage.js';
import type { TrainingSample } from './samples.js';
import type { Teacher } from './trainer-loop.js';

export interface TeacherEndpoint {
  /** OpenAI-compatible base URL including /v1 (vLLM, SGLang, OpenAI-compatible servers). */
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

/**
 * Teacher logprobs for on-policy distillation from a `/completions` endpoint: the sample's exact
 * token ids are sent as the prompt (echo, logprobs, max_tokens 0), so teacher and student score
 * the same tokens — the teacher must share the policy's tokenizer. The last R entries of
 * `token_logprobs` are the response tokens'.
 */
export class CompletionsTeacher implements Teacher {
  constructor(
    private readonly e: TeacherEndpoint,
    /** Told the tokens of every answered call (the dashboard's learning cost, purpose `opd`). */
    private readonly onUsage?: (model: string, usage: TokenUsage) => void,
  ) {}

  async logprobs(s: TrainingSample, signal: AbortSignal): Promise<number[]> {
    const res = await fetch(`${this.e.baseUrl.replace(/\/+$/, '')}/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.e.apiKey ? { authorization: `Bearer ${this.e.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: this.e.model,
        prompt: [...s.promptTokens, ...s.responseTokens],
        echo: true,
        logprobs: 1,
        max_tokens: 0,
        temperature: 1,
      }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.e.timeoutMs)]),
    });
    const text = await res.text();
    if (!res.ok)
      throw new Error(
        `sample ${s.turnId}: OPD teacher at ${this.e.baseUrl} answered HTTP ${res.status}: ${text.slice(0, 200)}`,
      );
    const body = JSON.parse(text) as { choices?: { logprobs?: { token_logprobs?: (number | null)[] } }[] };
    this.onUsage?.(this.e.model, usageOf(body) ?? { input: 0, output: 0 });
    const all = body.choices?.[0]?.logprobs?.token_logprobs;
    const R = s.responseTokens.length;
    if (!Array.isArray(all) || all.length < R) {
      throw new Error(
        `sample ${s.turnId}: OPD teacher returned ${Array.isArray(all) ? all.length : 'no'} token logprobs for ${s.promptTokens.length + R} tokens`,
      );
    }
    return all.slice(all.length - R).map((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new Error(`sample ${s.turnId}: OPD teacher logprob ${i} is ${v}`);
      return v;
    });
  }
}
