import { describe, expect, it } from 'vitest';
import { fastExp } from '../../src/engine/layers/fastexp.js';

describe('fastExp', () => {
  it('agrees with Math.exp to 1e-8 relative over the float32 range, and saturates like float32', () => {
    let worst = 0;
    for (let i = 0; i <= 200000; i++) {
      const x = -103 + (191 * i) / 200000;
      const e = Math.exp(x);
      worst = Math.max(worst, Math.abs(fastExp(x) - e) / e);
    }
    expect(worst).toBeLessThan(1e-8);
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-200)).toBe(0);
    expect(fastExp(100)).toBe(Infinity);
    expect(fastExp(-Infinity)).toBe(0);
  });
});
