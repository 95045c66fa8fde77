import type { Random } from '../prng.js';
import { type LossModel, NO_LOSS } from './types.js';

/** Drops each datagram independently with probability `percent` / 100, in both directions. */
export function createLossModel(percent: number, random: Random): LossModel {
  if (percent <= 0) return NO_LOSS;
  const p = Math.min(100, percent) / 100;
  const up = random.fork(1);
  const down = random.fork(2);
  return { dropUplink: () => up.chance(p), dropDownlink: () => down.chance(p) };
}
