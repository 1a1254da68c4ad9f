import type { Kernels } from './kernels/types.js';

/**
 * AdamW as `torch.optim.AdamW` computes it, with Hugging Face Trainer's defaults, its linear learning-rate schedule and
 * its gradient clipping.
 */

export interface AdamWOptions {
  /** (beta1, beta2); Trainer default (0.9, 0.999). */
  betas: [number, number];
  /** Trainer default 1e-8. */
  eps: number;
  /** Decoupled weight decay; Trainer default 0. */
  weightDecay: number;
}

export const TRAINER_ADAMW: AdamWOptions = { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 };

/** A contiguous range of the parameter buffer and whether weight decay applies to it. */
export interface DecaySegment {
  offset: number;
  size: number;
  decay: boolean;
}

/** AdamW state (first and second moments) for one flat parameter buffer. */
export class AdamW {
  readonly options: AdamWOptions;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Optimizer steps taken so far. */
  t = 0;
  private readonly segments: DecaySegment[];
  private readonly kernels: Pick<Kernels, 'adamwUpdate'>;

  /** `kernels` runs the update loop (default: the TypeScript {@link adamwUpdate}). */
  constructor(size: number, segments: DecaySegment[], options: AdamWOptions = TRAINER_ADAMW, kernels: Pick<Kernels, 'adamwUpdate'> = { adamwUpdate }) {
    this.options = options;
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
    this.segments = segments;
    this.kernels = kernels;
  }

  /**
   * One update at learning rate lr: p -= lr * wd * p (decoupled, decayed segments only); m, v moving averages;
   * p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), exactly torch's (non-fused) AdamW.
   */
  step(params: Float32Array, grads: Float32Array, lr: number): void {
    this.t += 1;
    const [b1, b2] = this.options.betas;
    const { eps, weightDecay } = this.options;
    const stepSize = lr / (1 - Math.pow(b1, this.t));
    const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, this.t));
    for (const seg of this.segments) {
      const shrink = seg.decay ? 1 - lr * weightDecay : 1;
      this.kernels.adamwUpdate(params, grads, this.m, this.v, seg.offset, seg.size, b1, b2, eps, shrink, stepSize, bc2Sqrt);
    }
  }
}

/**
 * The AdamW update of elements [offset, offset + size): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * p = p * shrink - stepSize * m / (sqrt(v) / bc2Sqrt + eps), in doubles, stored as float32.
 */
export function adamwUpdate(
  params: Float32Array,
  grads: Float32Array,
  m: Float32Array,
  v: Float32Array,
  offset: number,
  size: number,
  b1: number,
  b2: number,
  eps: number,
  shrink: number,
  stepSize: number,
  bc2Sqrt: number,
): void {
  const end = offset + size;
  for (let i = offset; i < end; i++) {
    const g = grads[i]!;
    const mi = b1 * m[i]! + (1 - b1) * g;
    const vi = b2 * v[i]! + (1 - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] = params[i]! * shrink - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}

/**
 * Hugging Face's `get_linear_schedule_with_warmup`: the learning rate for optimizer step `step` (0-based) rises
 * linearly over `warmup` steps, then falls linearly to 0 at `total`.
 */
export function linearSchedule(baseLr: number, total: number, warmup: number): (step: number) => number {
  return (step) => {
    if (step < warmup) return (baseLr * step) / Math.max(1, warmup);
    return baseLr * Math.max(0, (total - step) / Math.max(1, total - warmup));
  };
}

/**
 * dst[0, size) += src (when given), then the sum of dst's squares: in doubles, element i into partial sum i % 8, the
 * eight added in order (native/optim.c computes the same bits).
 */
export function addSumSquares(dst: Float32Array, src: Float32Array | null, size: number): number {
  if (src) for (let i = 0; i < size; i++) dst[i] = dst[i]! + src[i]!;
  const sums = new Float64Array(8);
  for (let i = 0; i < size; i++) sums[i & 7] = sums[i & 7]! + dst[i]! * dst[i]!;
  let total = 0;
  for (let j = 0; j < 8; j++) total += sums[j]!;
  return total;
}

/** The global L2 norm of `grads[0, size)` (as {@link addSumSquares} sums). */
export function gradNorm(grads: Float32Array, size = grads.length): number {
  return Math.sqrt(addSumSquares(grads, null, size));
}

/**
 * `torch.nn.utils.clip_grad_norm_`: scales the gradients by min(1, maxNorm / (norm + 1e-6)). Returns the norm
 * before clipping.
 */
export function clipGradNorm(grads: Float32Array, maxNorm: number, size = grads.length): number {
  return clipToNorm(grads, maxNorm, gradNorm(grads, size), size);
}

/** The scaling of {@link clipGradNorm} for a norm already known; returns it. */
export function clipToNorm(grads: Float32Array, maxNorm: number, norm: number, size = grads.length): number {
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (let i = 0; i < size; i++) grads[i] = grads[i]! * coef;
  return norm;
}
