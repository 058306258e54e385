// Wire types of the Tinker protocol (../shared/reference/tinker-protocol.md). Request types are
// plain TS (we build them); response schemas are zod, because answers are external input.
// Response objects are parsed non-strictly: the SDK ignores unknown fields, so do we.
import { z } from 'zod';

export type TensorDtype = 'int64' | 'float32';
export interface TensorData {
  data: number[];
  dtype: TensorDtype;
  shape?: number[];
}
export interface EncodedTextChunk {
  type: 'encoded_text';
  tokens: number[];
}
export interface ModelInput {
  chunks: EncodedTextChunk[];
}
export interface Datum {
  model_input: ModelInput;
  loss_fn_inputs: Record<string, TensorData>;
}

export type LossFnName = 'cross_entropy' | 'importance_sampling' | 'ppo' | 'cispo' | 'dro';
/** ppo/cispo: clip_low_threshold, clip_high_threshold; dro: beta. Other keys are rejected by the service. */
export type LossFnConfig = Record<string, number>;

export interface AdamParams {
  learning_rate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  grad_clip_norm: number;
}
/** The SDK's defaults; the SDK always sends all six. */
export const DEFAULT_ADAM: AdamParams = {
  learning_rate: 1e-4,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-12,
  weight_decay: 0,
  grad_clip_norm: 0,
};

export interface LoraConfig {
  rank: number;
  seed?: number;
  train_unembed?: boolean;
  train_mlp?: boolean;
  train_attn?: boolean;
}

export interface SamplingParams {
  max_tokens?: number;
  seed?: number;
  stop?: string | string[] | number[];
  temperature?: number;
  top_k?: number;
  top_p?: number;
}

// ---- responses ----------------------------------------------------------------------------------

const metrics = z.record(z.string(), z.number());
export const tensorDataSchema = z.object({
  data: z.array(z.number()),
  dtype: z.enum(['int64', 'float32']).optional(),
  shape: z.array(z.number()).nullish(),
});

export const submitSchema = z.object({ request_id: z.string(), model_id: z.string().nullish() });
export const tryAgainSchema = z.object({
  type: z.literal('try_again'),
  request_id: z.string().optional(),
  queue_state: z.string().optional(),
  queue_state_reason: z.string().nullish(),
});
export const futureErrorSchema = z.object({
  error: z.string(),
  category: z.string().optional(),
});

export const createSessionSchema = z.object({
  session_id: z.string(),
  info_message: z.string().nullish(),
  warning_message: z.string().nullish(),
  error_message: z.string().nullish(),
});
export const capabilitiesSchema = z.object({
  supported_models: z.array(z.object({ model_name: z.string(), max_context_length: z.number().nullish() })),
});
export const healthSchema = z.object({ status: z.string() });
export const createModelResultSchema = z.object({ model_id: z.string() });
export const getInfoSchema = z.object({
  model_id: z.string(),
  model_data: z.object({
    arch: z.string().nullish(),
    model_name: z.string().nullish(),
    tokenizer_id: z.string().nullish(),
  }),
  is_lora: z.boolean().nullish(),
  lora_rank: z.number().nullish(),
  model_name: z.string().nullish(),
});
export const forwardBackwardOutputSchema = z.object({
  loss_fn_output_type: z.string(),
  loss_fn_outputs: z.array(z.record(z.string(), tensorDataSchema)),
  metrics,
});
export const optimStepSchema = z.object({ metrics: metrics.nullish() }).nullable();
export const saveWeightsSchema = z.object({ path: z.string() });
export const saveForSamplerSchema = z.object({
  path: z.string().nullish(),
  sampling_session_id: z.string().nullish(),
  size_bytes: z.number().nullish(),
});
export const loadWeightsSchema = z.object({ path: z.string(), model_id: z.string().nullish() });
export const createSamplingSessionSchema = z.object({ sampling_session_id: z.string() });
export const unloadModelSchema = z.object({ model_id: z.string() });
export const samplerInfoSchema = z.object({
  sampler_id: z.string(),
  base_model: z.string(),
  model_path: z.string().nullish(),
});
export const sampleResponseSchema = z.object({
  sequences: z.array(
    z.object({
      tokens: z.array(z.number()),
      logprobs: z.array(z.number()).nullish(),
      stop_reason: z.enum(['length', 'stop']),
    }),
  ),
  prompt_logprobs: z.array(z.number().nullable()).nullish(),
});

export type ForwardBackwardOutput = z.infer<typeof forwardBackwardOutputSchema>;
export type SampleResponse = z.infer<typeof sampleResponseSchema>;
export type ServerCapabilities = z.infer<typeof capabilitiesSchema>;
export type ModelInfo = z.infer<typeof getInfoSchema>;
export type SamplerInfo = z.infer<typeof samplerInfoSchema>;
