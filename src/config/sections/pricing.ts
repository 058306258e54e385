import { z } from 'zod';
import { mapModel } from '../model-map.js';

/** Dollars per million tokens of one model. */
const modelPrice = z.object({ input: z.number().min(0), output: z.number().min(0) }).strict();

/**
 * Optional price table for the dashboard's cost panel: model (exact, or a glob with `*`) → $ per
 * million input / output tokens. Costs stay null for a figure that uses a model not listed here.
 */
export const pricingSection = z.record(z.string().min(1), modelPrice);

export type Pricing = z.infer<typeof pricingSection>;

/** Each table's keys as a model map onto themselves, so matching is model_map's (exact, then globs). */
const keyMaps = new WeakMap<Pricing, Record<string, string>>();

export function priceOf(pricing: Pricing, model: string): { input: number; output: number } | null {
  let keys = keyMaps.get(pricing);
  if (!keys) {
    keys = Object.fromEntries(Object.keys(pricing).map((k) => [k, k]));
    keyMaps.set(pricing, keys);
  }
  const key = mapModel(keys, model);
  return key === undefined ? null : pricing[key]!;
}
