/** One sample's reward, with the key of the prompt it answered (for group estimators). */
export interface RewardedSample {
  id: string;
  reward: number;
  /** Samples with the same key answered the same prompt (n > 1 rollouts, benchmarks). */
  groupKey?: string;
}

export type AdvantageEstimator = 'batch' | 'group' | 'ema-baseline';

export interface AdvantageResult {
  /** Advantage per sample id, only for samples that carry a learning signal. */
  advantages: Map<string, number>;
  /** Samples left out because they carry no signal (singleton or uniform groups, zero advantage). */
  noSignal: string[];
  /** True when the whole batch had one reward: nothing to learn, report instead of training. */
  zeroVariance: boolean;
  /** The running baseline after this batch (ema-baseline). */
  baseline?: number;
}

const EPS = 1e-8;

/**
 * Advantages for a batch. Pure. Signal-less samples are excluded before statistics are taken, so
 * they neither dilute the whitening nor reach the trainer as zero-gradient padding.
 *  - batch: reward whitening across the batch (the reference behaviour);
 *  - group: GRPO — reward minus its group's mean, over the group's std;
 *  - ema-baseline: reward minus a running mean (single-sample live traffic).
 */
export function computeAdvantages(
  samples: readonly RewardedSample[],
  estimator: AdvantageEstimator,
  o: { baseline?: number; emaDecay?: number } = {},
): AdvantageResult {
  const advantages = new Map<string, number>();
  const noSignal: string[] = [];
  for (const s of samples)
    if (!Number.isFinite(s.reward)) throw new Error(`sample ${s.id}: reward ${s.reward} is not finite`);
  if (samples.length === 0) return { advantages, noSignal, zeroVariance: false, baseline: o.baseline };

  if (estimator === 'group') {
    const groups = new Map<string, RewardedSample[]>();
    for (const s of samples) {
      const key = s.groupKey ?? s.id;
      const g = groups.get(key);
      if (g) g.push(s);
      else groups.set(key, [s]);
    }
    for (const g of groups.values()) {
      const { mean, std } = stats(g.map((s) => s.reward));
      if (g.length < 2 || std < EPS) {
        for (const s of g) noSignal.push(s.id);
        continue;
      }
      for (const s of g) advantages.set(s.id, (s.reward - mean) / (std + EPS));
    }
    return { advantages, noSignal, zeroVariance: advantages.size === 0 };
  }

  if (estimator === 'ema-baseline') {
    const decay = o.emaDecay ?? 0.9;
    const rewards = samples.map((s) => s.reward);
    const baseline = o.baseline ?? stats(rewards).mean;
    for (const s of samples) {
      const a = s.reward - baseline;
      if (Math.abs(a) < EPS) noSignal.push(s.id);
      else advantages.set(s.id, a);
    }
    const next = decay * baseline + (1 - decay) * stats(rewards).mean;
    return { advantages, noSignal, zeroVariance: advantages.size === 0, baseline: next };
  }

  const { mean, std } = stats(samples.map((s) => s.reward));
  if (std < EPS) return { advantages, noSignal: samples.map((s) => s.id), zeroVariance: true };
  for (const s of samples) advantages.set(s.id, (s.reward - mean) / (std + EPS));
  return { advantages, noSignal, zeroVariance: false };
}

function stats(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(variance) };
}
