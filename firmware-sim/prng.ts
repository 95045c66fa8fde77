/**
 * A small seeded PRNG (mulberry32) so that a run with `--seed N` is reproducible: readings, jitter,
 * start offsets and simulated radio loss all draw from generators derived from one seed.
 * Not cryptographic; fast and good enough for noise.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Normally distributed (Box–Muller), mean 0, standard deviation `sd`. */
  gaussian(sd: number): number;
  /** True with probability `p` (0..1). */
  chance(p: number): boolean;
  /** An independent generator for a sub-stream (one per sensor, one for the radio …). */
  fork(label: number): Random;
}

/** Spreads a 32-bit seed so that neighbouring seeds (1, 2, 3 …) give unrelated streams. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

export function createRandom(seed: number): Random {
  let state = mix32(seed >>> 0 || 0x9e3779b9);
  let spareGaussian: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (min, max) => min + (max - min) * next(),
    gaussian: (sd) => {
      if (spareGaussian !== undefined) {
        const value = spareGaussian * sd;
        spareGaussian = undefined;
        return value;
      }
      const u = Math.max(next(), Number.EPSILON);
      const v = next();
      const radius = Math.sqrt(-2 * Math.log(u));
      spareGaussian = radius * Math.sin(2 * Math.PI * v);
      return radius * Math.cos(2 * Math.PI * v) * sd;
    },
    chance: (p) => p > 0 && next() < p,
    fork: (label) => createRandom(mix32((seed >>> 0) ^ mix32(label + 0x632be5ab))),
  };
}
