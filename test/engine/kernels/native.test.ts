import { describe, expect, it } from 'vitest';
import { loadNativeKernels } from '../../../src/engine/kernels/native.js';
import { portableKernels } from '../../../src/engine/kernels/portable.js';
import type { Kernels } from '../../../src/engine/kernels/types.js';
import { defaults, operands, sgemmContract, type Case } from './contract.js';

const native = loadNativeKernels();

if (native.kernels) {
  const kernels = native.kernels;
  sgemmContract(kernels);

  describe('native kernels beyond the contract', () => {
    it('agree with the portable kernels on an engine-sized product, on 1 and on 2 threads', () => {
      const c: Case = { ...defaults, transB: true, M: 512, N: 384, K: 256, beta: 0.5 };
      const run = (k: Kernels) => {
        const { A, B, C, lda, ldb, ldc } = operands(c, 42);
        k.sgemm(c.transA, c.transB, c.M, c.N, c.K, c.alpha, A, 0, lda, B, 0, ldb, c.beta, C, 0, ldc);
        return C;
      };
      const theirs = run(portableKernels);
      const initial = kernels.info().threads;
      try {
        for (const threads of [1, 2]) {
          kernels.setThreads(threads);
          const ours = run(kernels);
          let worst = 0;
          for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs((ours[i] as number) - (theirs[i] as number)));
          expect(worst).toBeLessThan(1e-4);
        }
      } finally {
        kernels.setThreads(initial);
      }
    });

    it('give bit-identical results run after run at a fixed thread count (1 and 2 threads)', () => {
      // Between thread counts OpenBLAS blocks the K sum differently, so 1 and 2 threads agree only to rounding.
      const c: Case = { ...defaults, M: 300, N: 200, K: 500 };
      const run = (threads: number) => {
        kernels.setThreads(threads);
        const { A, B, C, lda, ldb, ldc } = operands(c, 7);
        kernels.sgemm(false, false, c.M, c.N, c.K, 1, A, 0, lda, B, 0, ldb, 0, C, 0, ldc);
        return Buffer.from(C.buffer);
      };
      const initial = kernels.info().threads;
      try {
        for (const threads of [1, 2]) expect(run(threads).equals(run(threads))).toBe(true);
      } finally {
        kernels.setThreads(initial);
      }
    });

    it('rejects arguments of the wrong type instead of reading foreign memory', () => {
      const f = new Float32Array(4);
      const sgemm = kernels.sgemm as (...args: unknown[]) => void;
      expect(() => sgemm(false, false, 2, 2, 2, 1, new Float64Array(4), 0, 2, f, 0, 2, 0, f, 0, 2)).toThrow(TypeError);
      expect(() => sgemm(false, false, 2, 2, 2, 1, f, 0, 2, [1, 2, 3, 4], 0, 2, 0, f, 0, 2)).toThrow(TypeError);
      expect(() => sgemm(0, false, 2, 2, 2, 1, f, 0, 2, f, 0, 2, 0, f, 0, 2)).toThrow(TypeError);
      expect(() => sgemm(false, false, 2, 2, 2, 1, f, 0, 2, f, 0, 2, 0, f, 0)).toThrow(TypeError);
      expect(() => kernels.setThreads(0)).toThrow(RangeError);
    });

    it('report the BLAS they run on', () => {
      const info = kernels.info();
      expect(info.config).toMatch(/OpenBLAS/);
      expect(info.threads).toBeGreaterThanOrEqual(1);
    });
  });
} else {
  describe('native kernels', () => {
    it.skip(`skipped: the native addon is absent (${native.reason})`, () => {});
  });
}
