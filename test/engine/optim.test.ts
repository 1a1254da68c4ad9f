import { describe, expect, it } from 'vitest';
import { AdamW, clipGradNorm, gradNorm, linearSchedule } from '../../src/engine/optim.js';

describe('AdamW', () => {
  it('matches the bias-corrected update of torch.optim.AdamW, decaying only decayed segments', () => {
    const params = Float32Array.from([1, -2]);
    const opt = new AdamW(2, [
      { offset: 0, size: 1, decay: true },
      { offset: 1, size: 1, decay: false },
    ], { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1 });
    const grads = [Float32Array.from([0.5, 0.25]), Float32Array.from([-1, 0.5])];
    const lr = 0.01;
    // Hand computation in doubles, step by step.
    const p = [1, -2];
    const m = [0, 0];
    const v = [0, 0];
    grads.forEach((g, s) => {
      const t = s + 1;
      for (let i = 0; i < 2; i++) {
        if (i === 0) p[i] = p[i]! * (1 - lr * 0.1);
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.999 * v[i]! + 0.001 * g[i]! * g[i]!;
        const mhat = m[i]! / (1 - 0.9 ** t);
        const vhat = v[i]! / (1 - 0.999 ** t);
        p[i] = p[i]! - (lr * mhat) / (Math.sqrt(vhat) + 1e-8);
      }
      opt.step(params, g, lr);
    });
    expect(params[0]).toBeCloseTo(p[0]!, 6);
    expect(params[1]).toBeCloseTo(p[1]!, 6);
    expect(opt.t).toBe(2);
  });
});

describe('linear schedule', () => {
  it('rises over the warm-up steps, then decays linearly to zero at the last step', () => {
    const lr = linearSchedule(1, 10, 2);
    expect([0, 1, 2, 6, 9, 10].map(lr)).toEqual([0, 0.5, 1, 0.5, 0.125, 0]);
    const noWarmup = linearSchedule(2, 4, 0);
    expect([0, 1, 2, 3].map(noWarmup)).toEqual([2, 1.5, 1, 0.5]);
  });
});

describe('gradient clipping', () => {
  it('scales the global norm down to the maximum and leaves smaller gradients alone', () => {
    const g = Float32Array.from([3, 4]);
    expect(clipGradNorm(g, 1)).toBeCloseTo(5, 6);
    expect(gradNorm(g)).toBeCloseTo(1, 5);
    const small = Float32Array.from([0.3, 0.4]);
    expect(clipGradNorm(small, 1)).toBeCloseTo(0.5, 6);
    expect(Array.from(small)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });
});
