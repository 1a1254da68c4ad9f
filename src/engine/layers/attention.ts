// Causal grouped-query attention over rotated queries and keys: softmax(Q K^T / sqrt(hd)) V per head, query head h
// reading key/value head floor(h / (Hq / Hkv)) as Hugging Face's `repeat_kv` does. Every product goes through
// `Kernels.sgemm` with strides that pick one head out of the row-major activations, so nothing is transposed or copied.
import type { AttentionView, Sgemm } from '../kernels/types.js';
import { fastExp } from './fastexp.js';

export type { AttentionView } from '../kernels/types.js';

/**
 * Query rows are processed in blocks of this many: a block only multiplies against the keys its last row can see,
 * so the masked upper triangle of the causal score matrix is neither computed nor cleared beyond the block diagonal.
 */
const BLOCK = 32;

/**
 * out (B * Tq, Hq * hd) = attention of every query over keys [padLeft[b], past + i]. When `lse` is given it receives
 * the log-sum-exp of each softmax row, (B, Hq, Tq), from which the backward pass can rebuild the probabilities.
 * `scores` is scratch of Tq * (past + Tq) floats, or with `keep` storage for every head's probabilities,
 * (B, Hq, Tq, past + Tq), that the backward pass then reads instead of rebuilding them (entries right of a block's
 * last visible key are left unwritten).
 */
export function attentionForward(
  kern: Sgemm,
  out: Float32Array,
  a: AttentionView,
  lse: Float32Array | null,
  scores: Float32Array,
  keep: boolean,
): void {
  const { B, Tq, past, Hq, Hkv, hd } = a;
  const Tk = past + Tq;
  const Dq = Hq * hd;
  const group = Hq / Hkv;
  const scale = 1 / Math.sqrt(hd);
  for (let b = 0; b < B; b++) {
    const pad = a.padLeft ? a.padLeft[b]! : 0;
    for (let h = 0; h < Hq; h++) {
      const g = Math.floor(h / group);
      const qOff = b * Tq * a.qLd + h * hd;
      const kOff = a.kOff + b * a.kRows * a.kLd + g * hd;
      const vOff = a.vOff + b * a.kRows * a.kLd + g * hd;
      const sOff = keep ? (b * Hq + h) * Tq * Tk : 0;
      for (let i0 = 0; i0 < Tq; i0 += BLOCK) {
        const i1 = Math.min(Tq, i0 + BLOCK);
        const keys = past + i1;
        // scores (rows, keys) = scale * Q (rows, hd) @ K^T (hd, keys)
        kern.sgemm(false, true, i1 - i0, keys, hd, scale, a.q, qOff + i0 * a.qLd, a.qLd, a.k, kOff, a.kLd, 0, scores, sOff + i0 * Tk, Tk);
        for (let i = i0; i < i1; i++) {
          const row = sOff + i * Tk;
          const last = past + i;
          let m = -Infinity;
          for (let j = pad; j <= last; j++) if (scores[row + j]! > m) m = scores[row + j]!;
          let sum = 0;
          for (let j = pad; j <= last; j++) {
            const e = fastExp(scores[row + j]! - m);
            scores[row + j] = e;
            sum += e;
          }
          // A query with no visible key (a left-padding position) gets zero weights; its output is never read.
          const inv = sum > 0 ? 1 / sum : 0;
          for (let j = 0; j < pad; j++) scores[row + j] = 0;
          for (let j = pad; j <= last; j++) scores[row + j] = scores[row + j]! * inv;
          for (let j = last + 1; j < keys; j++) scores[row + j] = 0;
          if (lse) lse[(b * Hq + h) * Tq + i] = sum > 0 ? m + Math.log(sum) : 0;
        }
        // out (rows, hd) = P (rows, keys) @ V (keys, hd)
        kern.sgemm(false, false, i1 - i0, hd, keys, 1, scores, sOff + i0 * Tk, Tk, a.v, vOff, a.kLd, 0, out, (b * Tq + i0) * Dq + h * hd, Dq);
      }
    }
  }
}

/**
 * Backward pass for the training layout (past = 0, no padding, queries/keys/values in one (N, W) matrix qkv at
 * columns 0, Dq, Dq + Dkv). Writes dqkv (N, W) from datt (N, Dq). With `kept`, `probs` holds every head's
 * probabilities from the forward pass; otherwise it is (T, T) scratch where each head's are rebuilt as
 * P = exp(S - lse). Per block of query rows: dV += P^T dO; dP = dO V^T; dS = P * (dP - rowsum(dO * O));
 * dQ = dS K / sqrt(hd); dK += dS^T Q / sqrt(hd). `dprobs` is scratch of BLOCK * T floats.
 */
export function attentionBackward(
  kern: Sgemm,
  dqkv: Float32Array,
  datt: Float32Array,
  att: Float32Array,
  a: AttentionView,
  lse: Float32Array,
  probs: Float32Array,
  kept: boolean,
  dprobs: Float32Array,
): void {
  const { B, Tq: T, Hq, Hkv, hd } = a;
  const W = a.qLd;
  const Dq = Hq * hd;
  const group = Hq / Hkv;
  const scale = 1 / Math.sqrt(hd);
  const lastBlock = Math.floor((T - 1) / BLOCK) * BLOCK;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hq; h++) {
      const g = Math.floor(h / group);
      const qOff = b * T * W + h * hd;
      const kOff = a.kOff + b * T * W + g * hd;
      const vOff = a.vOff + b * T * W + g * hd;
      const oOff = b * T * Dq + h * hd;
      const pOff = kept ? (b * Hq + h) * T * T : 0;
      // Blocks run last to first: the last block sees every key, so it initialises the key/value gradient rows
      // (when h is the first query head of its group) and the earlier blocks add to them.
      for (let i0 = lastBlock; i0 >= 0; i0 -= BLOCK) {
        const i1 = Math.min(T, i0 + BLOCK);
        const rows = i1 - i0;
        const keys = i1;
        const kvBeta = i1 === T && h % group === 0 ? 0 : 1;
        const pBlk = pOff + i0 * T;
        if (!kept) {
          kern.sgemm(false, true, rows, keys, hd, scale, a.q, qOff + i0 * W, W, a.k, kOff, W, 0, probs, pBlk, T);
          for (let i = i0; i < i1; i++) {
            const row = pOff + i * T;
            const l = lse[(b * Hq + h) * T + i]!;
            for (let j = 0; j <= i; j++) probs[row + j] = fastExp(probs[row + j]! - l);
            for (let j = i + 1; j < keys; j++) probs[row + j] = 0;
          }
        }
        // dV (keys, hd) += P^T (keys, rows) @ dO (rows, hd)
        kern.sgemm(true, false, keys, hd, rows, 1, probs, pBlk, T, datt, oOff + i0 * Dq, Dq, kvBeta, dqkv, vOff, W);
        // dP (rows, keys) = dO (rows, hd) @ V^T (hd, keys)
        kern.sgemm(false, true, rows, keys, hd, 1, datt, oOff + i0 * Dq, Dq, a.v, vOff, W, 0, dprobs, 0, keys);
        for (let i = i0; i < i1; i++) {
          const row = (i - i0) * keys;
          const prow = pOff + i * T;
          const o = oOff + i * Dq;
          let d = 0;
          for (let c = 0; c < hd; c++) d += datt[o + c]! * att[o + c]!;
          for (let j = 0; j <= i; j++) dprobs[row + j] = probs[prow + j]! * (dprobs[row + j]! - d) * scale;
          for (let j = i + 1; j < keys; j++) dprobs[row + j] = 0;
        }
        // dQ (rows, hd) = dS (rows, keys) @ K (keys, hd); dK (keys, hd) += dS^T (keys, rows) @ Q (rows, hd)
        kern.sgemm(false, false, rows, hd, keys, 1, dprobs, 0, keys, a.k, kOff, W, 0, dqkv, qOff + i0 * W, W);
        kern.sgemm(true, false, keys, hd, rows, 1, dprobs, 0, keys, a.q, qOff + i0 * W, W, kvBeta, dqkv, kOff, W);
      }
    }
  }
}
