import { describe, expect, it } from 'vitest';
import { loadNativeKernels, type NativeIsa } from '../../../src/engine/kernels/native.js';
import { portableKernels } from '../../../src/engine/kernels/portable.js';
import type { Kernels } from '../../../src/engine/kernels/types.js';
import { defaults, operands, sgemmContract, type Case } from './contract.js';
import { fusedContract } from './fused-contract.js';

const native = loadNativeKernels();

if (native.kernels) {
  const kernels = native.kernels;
  sgemmContract(kernels);
  fusedContract(kernels, portableKernels);

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

    it('reject fused-kernel calls whose arrays are too short or of the wrong type, before writing anything', () => {
      const f = (n: number) => new Float32Array(n).fill(3);
      const out = f(8);
      expect(() => kernels.rmsnormForward(out, f(2), f(7), f(4), 0, 2, 4, 1e-5)).toThrow(/rmsnormForward: inp needs 8/);
      expect(() => kernels.rmsnormForward(out, f(2), f(8), f(4), 1, 2, 4, 1e-5)).toThrow(RangeError);
      expect(() => kernels.rmsnormBackward(out, f(3), f(8), f(8), f(4), 0, f(2), 2, 4)).toThrow(/dweight needs 4/);
      expect(() => kernels.swigluForward(out, f(8), f(15), 2, 4)).toThrow(/gateUp needs 16/);
      expect(() => kernels.swigluBackward(f(15), f(8), f(16), f(8), 2, 4)).toThrow(/dgateUp needs 16/);
      expect(out).toEqual(f(8));
      const table = { positions: 2, cos: f(4), sin: f(4) };
      expect(() => kernels.ropeForward(out, 4, 0, 1, 4, new Int32Array([0, 2]), 2, table)).toThrow(/position 2 of row 1/);
      expect(() => kernels.ropeForward(out, 4, 2, 1, 4, new Int32Array([0, 1]), 2, table)).toThrow(/exceed the row stride/);
      expect(() => kernels.ropeForward(out, 4, 0, 1, 3, new Int32Array([0, 1]), 2, table)).toThrow(/even/);
      expect(out).toEqual(f(8));
      expect(() => kernels.crossEntropy(out, 2, 4, new Int32Array([0, 4]), f(2), true)).toThrow(/target 4 of row 1/);
      expect(() => kernels.crossEntropy(out, 3, 4, new Int32Array(3), f(3), true)).toThrow(/logits needs 12/);
      expect(out).toEqual(f(8));
      const call = kernels.rmsnormForward as (...args: unknown[]) => void;
      expect(() => call(new Float64Array(8), f(2), f(8), f(4), 0, 2, 4, 1e-5)).toThrow(TypeError);
      expect(() => call(out, f(2), f(8), f(4), 0, 2, 4)).toThrow(TypeError);
      expect(() => call(out, f(2), f(8), f(4), -1, 2, 4, 1e-5)).toThrow(RangeError);
      expect(() => kernels.adamwUpdate(out, f(8), f(8), f(7), 2, 6, 0.9, 0.999, 1e-8, 1, 1e-3, 1)).toThrow(/v needs 8/);
      expect(() => kernels.addSumSquares(out, f(7), 8)).toThrow(/src needs 8/);
      expect(() => kernels.addSumSquares(out, null, 9)).toThrow(/dst needs 9/);
      expect(out).toEqual(f(8));
    });

    it('reject attention views that do not fit their arrays, and a backward pass off the training layout', () => {
      const T = 4;
      const qkv = new Float32Array(T * 12);
      const view = { B: 1, Tq: T, past: 0, Hq: 2, Hkv: 1, hd: 4, q: qkv, qLd: 16, k: qkv, kOff: 8, kLd: 16, kRows: T, v: qkv, vOff: 12, padLeft: null };
      const out = new Float32Array(T * 8);
      expect(() => kernels.attentionForward(out, view, null, new Float32Array(16), false)).toThrow(/q needs/);
      const fits = { ...view, qLd: 16, q: new Float32Array(T * 16), k: new Float32Array(T * 16), v: new Float32Array(T * 16) };
      expect(() => kernels.attentionForward(out, fits, null, new Float32Array(15), false)).toThrow(/scores needs 16/);
      expect(() => kernels.attentionForward(out, { ...fits, Hkv: 3 }, null, new Float32Array(16), false)).toThrow(/multiple of Hkv/);
      expect(() => kernels.attentionForward(out, { ...fits, Tq: 2, past: 2, padLeft: new Int32Array([5]) }, null, new Float32Array(8), false)).toThrow(/padLeft/);
      expect(() => kernels.attentionBackward(new Float32Array(T * 16), out, out, fits, new Float32Array(8), new Float32Array(16), false, new Float32Array(16))).toThrow(/training layout/);
    });

    it('report the kernels they run on', () => {
      const info = kernels.info();
      expect(info.sgemm).toBe('w2s');
      expect(info.isas).toContain('scalar');
      expect(info.isas).toContain(info.isa);
      // The widest instruction set is the default (unless W2S_SIMD chose another for this process).
      if (!process.env.W2S_SIMD) expect(info.isa).toBe(info.isas[info.isas.length - 1]);
      expect(info.threads).toBeGreaterThanOrEqual(1);
      expect(['built', 'prebuilt']).toContain(kernels.source);
      expect(() => kernels.setIsa('sse9' as NativeIsa)).toThrow(RangeError);
    });
  });
} else {
  describe('native kernels', () => {
    it.skip(`skipped: the native addon is absent (${native.reason})`, () => {});
  });
}
