import { Rng } from '../core/rng.js';

/**
 * Inverted dropout of x[offset, offset + n) into xd with its keep-mask, the mask drawn from the stream of `new
 * Rng(seed)` (xoshiro128**, src/core/rng.ts): element i is kept when the stream's i-th 32-bit draw is >= threshold
 * (p * 2^32); kept elements are scaled by `keep` (1 / (1 - p)) in double and stored as float, dropped ones are 0. The
 * native kernel (native/dropout.c) draws the same stream and writes the same bits.
 */
export function dropoutMask(x: Float32Array, xd: Float32Array, mask: Uint8Array, offset: number, n: number, seed: number, threshold: number, keep: number): void {
  const rng = new Rng(seed);
  for (let i = offset; i < offset + n; i++) {
    const k = rng.nextUint32() >= threshold ? 1 : 0;
    mask[i] = k;
    xd[i] = k ? x[i]! * keep : 0;
  }
}

/**
 * {@link dropoutMask} for seeds.length sequences of n elements, sequence b at [b * n, (b + 1) * n) with its own seed
 * seeds[b]. The native kernel draws eight sequences' streams at once (one per vector lane): the same bits.
 */
export function dropoutMasks(x: Float32Array, xd: Float32Array, mask: Uint8Array, n: number, seeds: Uint32Array, threshold: number, keep: number): void {
  for (let b = 0; b < seeds.length; b++) dropoutMask(x, xd, mask, b * n, n, seeds[b]!, threshold, keep);
}

/**
 * A drawn keep-mask applied again (the backward pass of {@link dropoutMask}): over [offset, offset + n), dst = mask ?
 * src * keep : 0, or with `accumulate` dst += mask ? src * keep : 0 (leaving dropped elements as they are); in double,
 * stored as float. The native kernel (native/dropout.c) writes the same bits.
 */
export function dropoutApply(dst: Float32Array, src: Float32Array, mask: Uint8Array, offset: number, n: number, keep: number, accumulate: boolean): void {
  if (accumulate) {
    for (let i = offset; i < offset + n; i++) if (mask[i]) dst[i] = dst[i]! + src[i]! * keep;
  } else {
    for (let i = offset; i < offset + n; i++) dst[i] = mask[i] ? src[i]! * keep : 0;
  }
}
