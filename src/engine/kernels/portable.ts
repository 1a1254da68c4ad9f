import { attentionBackward, attentionForward } from '../layers/attention.js';
import { crossEntropy } from '../layers/cross-entropy.js';
import { rmsnormBackward, rmsnormForward } from '../layers/rmsnorm.js';
import { ropeBackward, ropeForward } from '../layers/rope.js';
import { swigluBackward, swigluForward } from '../layers/swiglu.js';
import { dropoutApply, dropoutMask, dropoutMasks } from '../dropout.js';
import { adamwUpdate, addSumSquares } from '../optim.js';
import { createJsBlockKernel } from './block-js.js';
import { createWasmBlockKernel } from './block-wasm.js';
import { checkSgemm } from './check.js';
import { A_AT, B_AT, C_AT, KC, MC, MR, NC, NR, type BlockKernel } from './layout.js';
import type { Kernels, Sgemm } from './types.js';

/*
 * The portable sgemm: a cache-blocked driver (layout.ts) in TypeScript around a block multiply in WebAssembly SIMD,
 * or in TypeScript where WebAssembly is unavailable. Packing copies op(A) and op(B) into slivers in the order the
 * block kernel reads them, so all four transpose cases share one kernel.
 */

/**
 * Copies op(A)[ic .. ic+mc, pc .. pc+kc] into MR-row slivers, k-major. The rows of a last, partial sliver keep stale
 * values: their products land only in C-block entries that are never read back.
 */
function packA(w: Float32Array, transA: boolean, A: Float32Array, aOffset: number, lda: number, ic: number, mc: number, pc: number, kc: number): void {
  const rowStride = transA ? 1 : lda;
  const colStride = transA ? lda : 1;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    const base = A_AT + ir * kc;
    for (let i = 0; i < rows; i++) {
      let src = aOffset + (ic + ir + i) * rowStride + pc * colStride;
      for (let p = 0, dst = base + i; p < kc; p++, src += colStride, dst += MR) w[dst] = A[src] as number;
    }
  }
}

/** Copies op(B)[pc .. pc+kc, jc .. jc+nc] into NR-column slivers, k-major (a partial sliver as in packA). */
function packB(w: Float32Array, transB: boolean, B: Float32Array, bOffset: number, ldb: number, pc: number, kc: number, jc: number, nc: number): void {
  const rowStride = transB ? 1 : ldb;
  const colStride = transB ? ldb : 1;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    const base = B_AT + jr * kc;
    for (let j = 0; j < cols; j++) {
      let src = bOffset + pc * rowStride + (jc + jr + j) * colStride;
      for (let p = 0, dst = base + j; p < kc; p++, src += rowStride, dst += NR) w[dst] = B[src] as number;
    }
  }
}

/** C[c0 ..] += alpha * (the mc x nc C block). */
function addBlock(w: Float32Array, alpha: number, C: Float32Array, c0: number, ldc: number, mc: number, nc: number): void {
  for (let i = 0; i < mc; i++) {
    const src = C_AT + i * NC;
    const dst = c0 + i * ldc;
    for (let j = 0; j < nc; j++) C[dst + j] = (C[dst + j] as number) + alpha * (w[src + j] as number);
  }
}

/**
 * A single row or column of C (one generated token, a matrix-vector product) is summed directly: packing the other
 * operand would cost as much as the product. Measured: from two rows or columns on, the blocked path is faster.
 */
const THIN = 1;

function thinProduct(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOffset: number, lda: number, B: Float32Array, bOffset: number, ldb: number,
  C: Float32Array, cOffset: number, ldc: number,
): void {
  const aRow = transA ? 1 : lda;
  const aStep = transA ? lda : 1;
  const bCol = transB ? ldb : 1;
  const bStep = transB ? 1 : ldb;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let a = aOffset + i * aRow;
      let b = bOffset + j * bCol;
      let sum = 0;
      for (let k = 0; k < K; k++, a += aStep, b += bStep) sum += (A[a] as number) * (B[b] as number);
      const at = cOffset + i * ldc + j;
      C[at] = (C[at] as number) + alpha * sum;
    }
  }
}

/** C = beta * C on the M x N window; beta = 0 overwrites, so NaN or Inf already in C never leaks into the result. */
function scaleC(M: number, N: number, beta: number, C: Float32Array, cOffset: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < M; i++) {
    const row = cOffset + i * ldc;
    if (beta === 0) C.fill(0, row, row + N);
    else for (let j = row; j < row + N; j++) C[j] = (C[j] as number) * beta;
  }
}

/** The portable sgemm over one block kernel. */
function createSgemm(blockKernel: BlockKernel): Kernels['sgemm'] {
  const w = blockKernel.workspace;
  return (transA, transB, M, N, K, alpha, A, aOffset, lda, B, bOffset, ldb, beta, C, cOffset, ldc) => {
    checkSgemm(transA, transB, M, N, K, A, aOffset, lda, B, bOffset, ldb, C, cOffset, ldc);
    if (M === 0 || N === 0) return;
    scaleC(M, N, beta, C, cOffset, ldc);
    // As in BLAS, alpha = 0 or K = 0 leaves beta * C and reads neither A nor B.
    if (alpha === 0 || K === 0) return;
    if (M <= THIN || N <= THIN) {
      thinProduct(transA, transB, M, N, K, alpha, A, aOffset, lda, B, bOffset, ldb, C, cOffset, ldc);
      return;
    }
    for (let jc = 0; jc < N; jc += NC) {
      const nc = Math.min(NC, N - jc);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = Math.min(KC, K - pc);
        packB(w, transB, B, bOffset, ldb, pc, kc, jc, nc);
        for (let ic = 0; ic < M; ic += MC) {
          const mc = Math.min(MC, M - ic);
          packA(w, transA, A, aOffset, lda, ic, mc, pc, kc);
          blockKernel.block(mc, nc, kc);
          addBlock(w, alpha, C, cOffset + ic * ldc + jc, ldc, mc, nc);
        }
      }
    }
  };
}

/**
 * Portable kernels over one block kernel, named `portable-wasm` or `portable-js` after it: its sgemm, and the
 * TypeScript loops of src/engine/layers/ and optim.ts for everything else.
 */
export function createPortableKernels(blockKernel: BlockKernel): Kernels {
  const gemm: Sgemm = { sgemm: createSgemm(blockKernel) };
  return {
    name: `portable-${blockKernel.name}`,
    sgemm: gemm.sgemm,
    rmsnormForward,
    rmsnormBackward,
    swigluForward,
    swigluBackward,
    ropeForward,
    ropeBackward,
    crossEntropy,
    attentionForward: (out, a, lse, scores, keep) => attentionForward(gemm, out, a, lse, scores, keep),
    attentionBackward: (dqkv, datt, att, a, lse, probs, kept, dprobs) =>
      attentionBackward(gemm, dqkv, datt, att, a, lse, probs, kept, dprobs),
    adamwUpdate,
    addSumSquares,
    dropoutMask,
    dropoutMasks,
    dropoutApply,
  };
}

/** The best portable kernels this runtime can run: WebAssembly SIMD, else TypeScript. Always available. */
export const portableKernels: Kernels = createPortableKernels(createWasmBlockKernel() ?? createJsBlockKernel());
