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

  constructor(size: number, segments: DecaySegment[], options: AdamWOptions = TRAINER_ADAMW) {
    this.options = options;
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
    this.segments = segments;
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
    const m = this.m;
    const v = this.v;
    for (const seg of this.segments) {
      const shrink = seg.decay ? 1 - lr * weightDecay : 1;
      const end = seg.offset + seg.size;
      for (let i = seg.offset; i < end; i++) {
        const g = grads[i]!;
        const mi = b1 * m[i]! + (1 - b1) * g;
        const vi = b2 * v[i]! + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] = params[i]! * shrink - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
      }
    }
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

/** The global L2 norm of `grads[0, size)` (summed in doubles). */
export function gradNorm(grads: Float32Array, size = grads.length): number {
  let ss = 0;
  for (let i = 0; i < size; i++) ss += grads[i]! * grads[i]!;
  return Math.sqrt(ss);
}

/**
 * `torch.nn.utils.clip_grad_norm_`: scales the gradients by min(1, maxNorm / (norm + 1e-6)). Returns the norm
 * before clipping.
 */
export function clipGradNorm(grads: Float32Array, maxNorm: number, size = grads.length): number {
  const norm = gradNorm(grads, size);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (let i = 0; i < size; i++) grads[i] = grads[i]! * coef;
  return norm;
}
