import type { Random } from '../prng.js';
import { type LossModel, NO_LOSS } from './types.js';

/** Drops each datagram independently with probability `percent` / 100, per sensor and direction. */
export function createLossModel(percent: number, random: Random): LossModel {
  if (percent <= 0) return NO_LOSS;
  const p = Math.min(100, percent) / 100;
  const streams = new Map<number, { up: Random; down: Random }>();
  const streamsOf = (index: number): { up: Random; down: Random } => {
    let pair = streams.get(index);
    if (!pair) {
      const sensor = random.fork(index);
      pair = { up: sensor.fork(1), down: sensor.fork(2) };
      streams.set(index, pair);
    }
    return pair;
  };
  return {
    dropUplink: (index) => streamsOf(index).up.chance(p),
    dropDownlink: (index) => streamsOf(index).down.chance(p),
  };
}
