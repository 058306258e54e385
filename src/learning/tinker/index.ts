export {
  DEFAULT_TINKER_URL,
  type SessionState,
  TinkerClient,
  type TinkerClientOptions,
  TinkerSession,
} from './client.js';
export { TinkerError, type TinkerErrorCode } from './errors.js';
export type { PollPolicy } from './futures.js';
export type { RetryPolicy } from './http.js';
export { type SamplerSave, TrainingModel } from './model.js';
export { type SampleOptions, SamplingClient } from './sampling.js';
export {
  type CheckpointRef,
  type FwdBwdResult,
  type LossConfig,
  type LossName,
  type SampledSequence,
  type SamplerRef,
  TinkerTrainer,
  type TinkerTrainerOptions,
  type TrainerBackend,
} from './trainer.js';
export * from './types.js';
