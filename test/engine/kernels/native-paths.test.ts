import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { W2sError } from '../../../src/errors.js';
import { configureNative, loadNativeKernels, type NativeIsa } from '../../../src/engine/kernels/native.js';
import { checkCase, defaults, operands, sgemmContract, type Case } from './contract.js';

// The native sgemm on each of its paths: every instruction set this CPU has, OpenBLAS where it is installed, and
// several threads (native.test.ts runs the contract on the default path).

const native = loadNativeKernels();

/**
 * Shapes that cross the block edges of the kernels (gemm_kernels.c: mr up to 8, nr up to 32, kc 256, mc up to 192,
 * nc 2048): m and n off the register blocks (A's in-place rows and its packed edge panel, B's zero-padded panel), k
 * over one and two cache blocks with op(B) packed whole (narrow n) and per block (wide n), m over mc, n over nc.
 */
const BLOCK_EDGES: Omit<Case, 'transA' | 'transB'>[] = [
  { ...defaults, M: 67, N: 37, K: 520, alpha: 0.75, beta: 0.5, ldaPad: 3, ldbPad: 2, ldcPad: 1 },
  { ...defaults, M: 10, N: 300, K: 520, alpha: -1, beta: 0, aOffset: 1, cOffset: 2 },
  { ...defaults, M: 197, N: 9, K: 40, alpha: 1, beta: 1, ldbPad: 5 },
  { ...defaults, M: 3, N: 2085, K: 20, alpha: 2, beta: -0.5 },
  { ...defaults, M: 7, N: 5, K: 3, alpha: 2, beta: 0 },
];

/** Lets vitest's messages through between long synchronous tests (its calls time out after 60 s without them). */
const breathe = () => new Promise((resolve) => setImmediate(resolve));

if (native.kernels) {
  const kernels = native.kernels;
  const initial = kernels.info();

  // Every instruction set this CPU has, each forced in turn (W2S_SIMD does the same for a whole process); the
  // default one has already run the contract above.
  for (const isa of initial.isas) {
    describe(`native sgemm on the ${isa} kernels`, () => {
      beforeEach(async () => {
        await breathe();
        expect(kernels.setIsa(isa)).toBe(true);
      });
      afterAll(() => kernels.setIsa(initial.isa));
      if (isa !== initial.isa) sgemmContract({ ...kernels, name: `native-${isa}` });

      it('matches the reference across the blocks of k, m and n, in all four transposes', () => {
        for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
          BLOCK_EDGES.forEach((c, seed) => checkCase(kernels, { ...c, transA, transB }, seed));
        }
      });
    });
  }

  // OpenBLAS is optional: loaded at run time (W2S_SGEMM=openblas) where it is installed.
  const openblasMissing = kernels.setSgemm('openblas');
  kernels.setSgemm('w2s');
  describe.skipIf(openblasMissing !== null)(`native sgemm through OpenBLAS${openblasMissing ? ` (skipped: ${openblasMissing})` : ''}`, () => {
    beforeEach(async () => {
      await breathe();
      expect(kernels.setSgemm('openblas')).toBeNull();
    });
    afterEach(() => kernels.setSgemm('w2s'));
    sgemmContract({ ...kernels, name: 'native-openblas' });

    it('reports itself while it runs, and the addon\'s own sgemm again after', () => {
      expect(kernels.info().sgemm).toBe('openblas');
      expect(kernels.info().openblas?.config).toMatch(/OpenBLAS/);
      kernels.setSgemm('w2s');
      expect(kernels.info().sgemm).toBe('w2s');
    });
  });

  describe('native sgemm threads', () => {
    afterEach(() => kernels.setThreads(initial.threads));

    it('give bit-identical results on 1, 2 and 3 threads (each element sums k in the same order)', () => {
      // Wide (split by columns), tall (split by rows), and the two matrix-vector forms, large enough to be split.
      const cases: Case[] = [
        { ...defaults, transB: true, M: 300, N: 520, K: 300, beta: 0.5 },
        { ...defaults, transA: true, M: 700, N: 40, K: 300 },
        { ...defaults, M: 1, N: 3000, K: 300, beta: 1 },
        { ...defaults, transB: true, M: 1, N: 3000, K: 300 },
        { ...defaults, transA: true, M: 3000, N: 1, K: 300 },
      ];
      for (const c of cases) {
        const results = [1, 2, 3].map((threads) => {
          kernels.setThreads(threads);
          const { A, B, C, lda, ldb, ldc } = operands(c, 11);
          kernels.sgemm(c.transA, c.transB, c.M, c.N, c.K, c.alpha, A, 0, lda, B, 0, ldb, c.beta, C, 0, ldc);
          return Buffer.from(C.buffer);
        });
        expect(results[1]!.equals(results[0]!)).toBe(true);
        expect(results[2]!.equals(results[0]!)).toBe(true);
      }
      kernels.setThreads(2);
      checkCase(kernels, cases[0]!, 3);
      checkCase(kernels, cases[2]!, 4);
    });

    it('stay correct when JavaScript worker threads multiply at once (one gets the pool, the others run alone)', async () => {
      const { Worker } = await import('node:worker_threads');
      // Each worker checks its own products against a plain float64 loop and reports the worst relative error.
      const code = `
        const { parentPort, workerData } = require('node:worker_threads');
        const m = require(workerData.path);
        m.setThreads(2);
        let x = workerData.seed, worst = 0;
        const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5);
        for (let round = 0; round < 20; round++) {
          const M = 64 + (round % 5) * 17, N = 96, K = 128;
          const A = Float32Array.from({ length: M * K }, rand), B = Float32Array.from({ length: K * N }, rand);
          const C = new Float32Array(M * N);
          m.sgemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C, 0, N);
          for (let i = 0; i < M; i += 7) for (let j = 0; j < N; j += 5) {
            let s = 0, mag = 0;
            for (let p = 0; p < K; p++) { s += A[i * K + p] * B[p * N + j]; mag += Math.abs(A[i * K + p] * B[p * N + j]); }
            worst = Math.max(worst, Math.abs(C[i * N + j] - s) / mag);
          }
        }
        parentPort.postMessage(worst);`;
      const path = kernels.path;
      const worst = await Promise.all(
        [1, 2, 3].map(
          (seed) =>
            new Promise<number>((resolve, reject) => {
              const w = new Worker(code, { eval: true, workerData: { path, seed } });
              w.once('message', resolve);
              w.once('error', reject);
            }),
        ),
      );
      for (const e of worst) expect(e).toBeLessThan(1e-5);
    });
  });

  describe('W2S_SIMD and W2S_SGEMM', () => {
    afterEach(() => {
      kernels.setIsa(initial.isa);
      kernels.setSgemm('w2s');
    });

    const failure = (env: NodeJS.ProcessEnv): W2sError => {
      try {
        configureNative(kernels, env);
      } catch (e) {
        return e as W2sError;
      }
      throw new Error('configureNative accepted ' + JSON.stringify(env));
    };

    it('pick the instruction set the variable names', () => {
      for (const isa of initial.isas) {
        configureNative(kernels, { W2S_SIMD: isa.toUpperCase() });
        expect(kernels.info().isa).toBe(isa);
      }
    });

    it('refuse an unknown value or an instruction set this CPU lacks, with exit code 2 naming the variable', () => {
      const unknown = failure({ W2S_SIMD: 'sse9' });
      expect(unknown).toBeInstanceOf(W2sError);
      expect(unknown.exitCode).toBe(2);
      expect(unknown.message).toMatch(/W2S_SIMD.*unknown instruction set "sse9"/);
      const lacking = (['scalar', 'avx2', 'avx512', 'neon'] as NativeIsa[]).find((isa) => !initial.isas.includes(isa));
      if (lacking) expect(failure({ W2S_SIMD: lacking }).message).toMatch(new RegExp(`W2S_SIMD.*cannot run the ${lacking} kernels; it can run ${initial.isas.join(', ')}`));
      expect(kernels.info().isa).toBe(initial.isa);
      expect(failure({ W2S_SGEMM: 'mkl' }).message).toMatch(/W2S_SGEMM.*unknown sgemm "mkl"/);
    });
  });

} else {
  describe('native sgemm paths', () => {
    it.skip(`skipped: the native addon is absent (${native.reason})`, () => {});
  });
}
