/**
 * The sgemm contract (src/engine/kernels/types.ts) as a test suite that any Kernels implementation must pass: results
 * are compared with a float64 reference under the standard error bound for float32 dot products, and every element
 * outside the M x N window of C, and all of A and B, must be left as it was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import type { Kernels } from '../../../src/engine/kernels/types.js';

export interface Case {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  aOffset: number;
  bOffset: number;
  cOffset: number;
  /** How much wider than the stored row each leading dimension is. */
  ldaPad: number;
  ldbPad: number;
  ldcPad: number;
}

export const defaults: Case = {
  transA: false, transB: false, M: 1, N: 1, K: 1, alpha: 1, beta: 0,
  aOffset: 0, bOffset: 0, cOffset: 0, ldaPad: 0, ldbPad: 0, ldcPad: 0,
};

/** Operands for a case: A, B and C filled from `seed`, with NaN in C when beta = 0 (it must not propagate). */
export function operands(c: Case, seed: number) {
  const rng = new Rng(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
  const lda = (c.transA ? c.M : c.K) + c.ldaPad;
  const ldb = (c.transB ? c.K : c.N) + c.ldbPad;
  const ldc = c.N + c.ldcPad;
  const A = fill(c.aOffset + (c.transA ? c.K : c.M) * lda);
  const B = fill(c.bOffset + (c.transB ? c.N : c.K) * ldb);
  const C = fill(c.cOffset + c.M * ldc + 3);
  if (c.beta === 0) C.fill(Number.NaN, c.cOffset, c.cOffset + c.M * ldc);
  return { A, B, C, lda, ldb, ldc };
}

/** Fails at the first element of `x` whose bits differ from `before`'s (toEqual on long typed arrays takes seconds). */
function expectUnchanged(name: string, x: Float32Array, before: Float32Array): void {
  const now = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const was = new Uint32Array(before.buffer, before.byteOffset, before.length);
  for (let i = 0; i < was.length; i++) if (now[i] !== was[i]) expect.fail(`${name}[${i}] changed: ${x[i]}, was ${before[i]}`);
}

/** Runs the case through `kernels` and checks every element of C against the float64 reference. */
export function checkCase(kernels: Kernels, c: Case, seed: number): void {
  const { A, B, C, lda, ldb, ldc } = operands(c, seed);
  const A0 = A.slice();
  const B0 = B.slice();
  const C0 = C.slice();
  kernels.sgemm(c.transA, c.transB, c.M, c.N, c.K, c.alpha, A, c.aOffset, lda, B, c.bOffset, ldb, c.beta, C, c.cOffset, ldc);
  expectUnchanged('A', A, A0);
  expectUnchanged('B', B, B0);
  const a = (i: number, k: number) => A[c.aOffset + (c.transA ? k * lda + i : i * lda + k)] as number;
  const b = (k: number, j: number) => B[c.bOffset + (c.transB ? j * ldb + k : k * ldb + j)] as number;
  // |fl(x) - x| <= gamma_K * (|alpha| sum |a b| + |beta c|), gamma_K ~ (K + 2) u for float32 (u = 2^-24), doubled for slack.
  const u = 2 ** -23;
  const inWindow = new Set<number>();
  for (let i = 0; i < c.M; i++) {
    for (let j = 0; j < c.N; j++) {
      const at = c.cOffset + i * ldc + j;
      inWindow.add(at);
      let exact = 0;
      let magnitude = 0;
      for (let k = 0; k < c.K; k++) {
        exact += a(i, k) * b(k, j);
        magnitude += Math.abs(a(i, k) * b(k, j));
      }
      const before = c.beta === 0 ? 0 : (C0[at] as number);
      const want = c.alpha * exact + c.beta * before;
      const bound = (c.K + 2) * u * (Math.abs(c.alpha) * magnitude + Math.abs(c.beta * before)) + 1e-30;
      const got = C[at] as number;
      if (!(Math.abs(got - want) <= bound)) {
        expect.fail(`C[${i},${j}] = ${got}, want ${want} (bound ${bound}) for ${JSON.stringify(c)}`);
      }
    }
  }
  for (let at = 0; at < C.length; at++) {
    if (!inWindow.has(at) && !Object.is(C[at], C0[at])) expect.fail(`C[${at}] outside the window changed`);
  }
}

const TRANSPOSES: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

/** The whole contract as one describe block. */
export function sgemmContract(kernels: Kernels): void {
  describe(`${kernels.name} sgemm`, () => {
    for (const [transA, transB] of TRANSPOSES) {
      const label = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
      it(`${label}: matches the reference on random shapes, offsets and padded leading dimensions`, () => {
        const rng = new Rng(`shapes-${label}`);
        for (let t = 0; t < 30; t++) {
          const c: Case = {
            transA, transB,
            M: 1 + rng.int(70), N: 1 + rng.int(70), K: 1 + rng.int(70),
            alpha: [1, -0.5, 2.25][rng.int(3)] as number, beta: [0, 1, -1.5, 0.5][rng.int(4)] as number,
            aOffset: rng.int(9), bOffset: rng.int(9), cOffset: rng.int(9),
            ldaPad: rng.int(5), ldbPad: rng.int(5), ldcPad: rng.int(5),
          };
          checkCase(kernels, c, t);
        }
      });

      it(`${label}: matches the reference across cache-block edges (K = 257, M = 67, N = 517)`, () => {
        checkCase(kernels, { ...defaults, transA, transB, M: 67, N: 517, K: 257, alpha: 0.75, beta: 0.5, ldaPad: 3, ldcPad: 1 }, 1);
      });

      it(`${label}: handles M, N or K equal to 1 (matrix-vector products)`, () => {
        for (const [M, N, K] of [[1, 1, 1], [1, 37, 19], [23, 1, 41], [29, 31, 1], [1, 1, 300], [5, 6, 1], [1, 600, 300], [600, 1, 300]] as const) {
          for (const beta of [0, 1, -0.5]) {
            const c: Case = { ...defaults, transA, transB, M, N, K, alpha: -1.5, beta, aOffset: 2, ldaPad: 2, ldbPad: 1, cOffset: 1, ldcPad: 3 };
            checkCase(kernels, c, M + N + K);
          }
        }
      });
    }

    it('beta = 0 overwrites NaN already in C', () => {
      const C = new Float32Array(4).fill(Number.NaN);
      kernels.sgemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 0, 2, new Float32Array([5, 6, 7, 8]), 0, 2, 0, C, 0, 2);
      expect([...C]).toEqual([19, 22, 43, 50]);
    });

    it('alpha = 0 or K = 0 leaves beta * C and reads neither A nor B', () => {
      const nanA = new Float32Array(6).fill(Number.NaN);
      const C = new Float32Array([1, 2, 3, 4]);
      kernels.sgemm(false, false, 2, 2, 3, 0, nanA, 0, 3, new Float32Array(6), 0, 2, 2, C, 0, 2);
      expect([...C]).toEqual([2, 4, 6, 8]);
      kernels.sgemm(false, false, 1, 2, 3, 0, nanA, 0, 3, new Float32Array(6), 0, 2, 0.5, C, 0, 2);
      kernels.sgemm(false, false, 2, 1, 3, 0, nanA, 0, 3, new Float32Array(6), 0, 1, 0.5, C, 2, 1);
      expect([...C]).toEqual([1, 2, 3, 4]);
      kernels.sgemm(false, false, 2, 2, 0, 1, new Float32Array(0), 0, 0, new Float32Array(0), 0, 2, 2, C, 0, 2);
      expect([...C]).toEqual([2, 4, 6, 8]);
    });

    it('M = 0 or N = 0 touches nothing', () => {
      const C = new Float32Array([7, 7]);
      kernels.sgemm(false, false, 0, 2, 3, 1, new Float32Array(0), 0, 3, new Float32Array(6), 0, 2, 0, C, 0, 2);
      kernels.sgemm(false, false, 2, 0, 3, 1, new Float32Array(6), 0, 3, new Float32Array(0), 0, 0, 0, C, 0, 0);
      expect([...C]).toEqual([7, 7]);
    });

    it('rejects shapes that do not fit their arrays, before writing anything', () => {
      const C = new Float32Array(4).fill(9);
      const A = new Float32Array(4);
      const B = new Float32Array(4);
      expect(() => kernels.sgemm(false, false, 2, 2, 2, 1, A, 1, 2, B, 0, 2, 0, C, 0, 2)).toThrow(RangeError);
      expect(() => kernels.sgemm(false, false, 2, 2, 2, 1, A, 0, 2, B, 0, 2, 0, C, 1, 2)).toThrow(RangeError);
      expect(() => kernels.sgemm(true, false, 2, 2, 2, 1, A, 0, 1, B, 0, 2, 0, C, 0, 2)).toThrow(RangeError);
      expect(() => kernels.sgemm(false, true, 2, 2, 3, 1, new Float32Array(6), 0, 3, B, 0, 3, 0, C, 0, 2)).toThrow(RangeError);
      expect(() => kernels.sgemm(false, false, 2, 2, 2.5, 1, A, 0, 2, B, 0, 2, 0, C, 0, 2)).toThrow(RangeError);
      expect(() => kernels.sgemm(false, false, -1, 2, 2, 1, A, 0, 2, B, 0, 2, 0, C, 0, 2)).toThrow(RangeError);
      expect([...C]).toEqual([9, 9, 9, 9]);
    });

    it('property: any shape, transpose, offset, stride, alpha and beta matches the reference', () => {
      const shape = fc.record({
        transA: fc.boolean(), transB: fc.boolean(),
        M: fc.integer({ min: 0, max: 24 }), N: fc.integer({ min: 0, max: 24 }), K: fc.integer({ min: 0, max: 24 }),
        alpha: fc.constantFrom(0, 1, -1, 0.5, 3), beta: fc.constantFrom(0, 1, -1, 0.25),
        aOffset: fc.integer({ min: 0, max: 6 }), bOffset: fc.integer({ min: 0, max: 6 }), cOffset: fc.integer({ min: 0, max: 6 }),
        ldaPad: fc.integer({ min: 0, max: 4 }), ldbPad: fc.integer({ min: 0, max: 4 }), ldcPad: fc.integer({ min: 0, max: 4 }),
      });
      fc.assert(fc.property(shape, fc.nat(), (c, seed) => checkCase(kernels, c, seed)), { numRuns: 300, seed: 3 });
    });
  });
}
