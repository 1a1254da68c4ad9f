import { A_AT, B_AT, C_AT, MR, NC, NR, WORKSPACE_FLOATS, type BlockKernel } from './layout.js';

/**
 * The block multiply in plain TypeScript, for runtimes without WebAssembly SIMD. Each 4 x 8 tile is computed as two
 * 4 x 4 halves so the 16 running sums of a half fit in registers; sums are carried in float64.
 */
export function createJsBlockKernel(): BlockKernel {
  const w = new Float32Array(WORKSPACE_FLOATS);

  /** Writes the 4 x 4 tile at C block row `row`, column `col`, from slivers at `a` and `b` (+0 or +4 columns). */
  function tile(kc: number, a: number, b: number, row: number, col: number): void {
    let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
    let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
    let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
    for (let p = 0; p < kc; p++, a += MR, b += NR) {
      const a0 = w[a] as number, a1 = w[a + 1] as number, a2 = w[a + 2] as number, a3 = w[a + 3] as number;
      const b0 = w[b] as number, b1 = w[b + 1] as number, b2 = w[b + 2] as number, b3 = w[b + 3] as number;
      c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
      c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
      c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
      c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    }
    let r = C_AT + row * NC + col;
    w[r] = c00; w[r + 1] = c01; w[r + 2] = c02; w[r + 3] = c03;
    r += NC;
    w[r] = c10; w[r + 1] = c11; w[r + 2] = c12; w[r + 3] = c13;
    r += NC;
    w[r] = c20; w[r + 1] = c21; w[r + 2] = c22; w[r + 3] = c23;
    r += NC;
    w[r] = c30; w[r + 1] = c31; w[r + 2] = c32; w[r + 3] = c33;
  }

  return {
    name: 'js',
    workspace: w,
    block(mc, nc, kc) {
      for (let jr = 0; jr < nc; jr += NR) {
        for (let ir = 0; ir < mc; ir += MR) {
          const a = A_AT + ir * kc;
          const b = B_AT + jr * kc;
          tile(kc, a, b, ir, jr);
          tile(kc, a, b + 4, ir, jr + 4);
        }
      }
    },
  };
}
