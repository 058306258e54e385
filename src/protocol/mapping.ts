import { num, obj } from './json.js';
import type { JsonObject } from './types.js';

/*
 * Stop-reason and usage vocabularies shared by the response converters and the stream translators,
 * so a streamed and a non-streamed answer convert to the same values.
 */

const TO_ANTHROPIC_STOP: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

const TO_OPENAI_FINISH: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** OpenAI finish_reason → Anthropic stop_reason; anything unknown or missing ends the turn normally. */
export function anthropicStopReason(finishReason: unknown): string {
  return (typeof finishReason === 'string' && TO_ANTHROPIC_STOP[finishReason]) || 'end_turn';
}

/** Anthropic stop_reason → OpenAI finish_reason. */
export function openAIFinishReason(stopReason: unknown): string {
  return (typeof stopReason === 'string' && TO_OPENAI_FINISH[stopReason]) || 'stop';
}

/**
 * OpenAI counts cached prompt tokens inside prompt_tokens; Anthropic reports them apart from
 * input_tokens. Split them so neither side double-counts.
 */
export function anthropicUsageFromOpenAI(usage: unknown): JsonObject {
  const u = obj(usage);
  const prompt = num(u['prompt_tokens']) ?? 0;
  const cached = num(obj(u['prompt_tokens_details'])['cached_tokens']) ?? 0;
  const out: JsonObject = { input_tokens: prompt - cached, output_tokens: num(u['completion_tokens']) ?? 0 };
  if (cached > 0) out['cache_read_input_tokens'] = cached;
  return out;
}

export function openAIUsageFromAnthropic(usage: unknown): JsonObject {
  const u = obj(usage);
  const cacheRead = num(u['cache_read_input_tokens']);
  const prompt =
    (num(u['input_tokens']) ?? 0) + (cacheRead ?? 0) + (num(u['cache_creation_input_tokens']) ?? 0);
  const completion = num(u['output_tokens']) ?? 0;
  const out: JsonObject = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (cacheRead !== undefined) out['prompt_tokens_details'] = { cached_tokens: cacheRead };
  return out;
}
