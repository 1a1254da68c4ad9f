#include "attention.h"

#include <math.h>

#include "gemm.h"
#include "simd.h"

/*
 * One softmax row of causal attention: keys [pad, last] visible, the rest of [0, keys) zeroed. Returns the
 * log-sum-exp; a row with no visible key (a left-padding query, never read) gets zero weights and 0.
 */
W2S_HOT static float softmax_row(float *row, int pad, int last, int keys) {
  int n = last - pad + 1;
  float m = n > 0 ? w2s_max(row + pad, n) : -INFINITY;
  float sum = n > 0 ? w2s_exp_shifted(row + pad, m, n) : 0.0f;
  float inv = sum > 0 ? 1.0f / sum : 0.0f;
  for (int j = 0; j < pad && j < keys; j++) row[j] = 0.0f;
  for (int j = pad; j <= last; j++) row[j] *= inv;
  for (int j = last + 1; j < keys; j++) row[j] = 0.0f;
  return sum > 0 ? (float)((double)m + log((double)sum)) : 0.0f;
}

void w2s_attention_forward(float *out, const float *q, int q_ld, const float *k, const float *v, int kv_ld, int k_rows,
                           int B, int Tq, int past, int Hq, int Hkv, int hd, const int32_t *pad_left, float *lse,
                           float *scores, bool keep) {
  const int Tk = past + Tq;
  const int Dq = Hq * hd;
  const int group = Hq / Hkv;
  const float scale = (float)(1.0 / sqrt((double)hd));
  for (int b = 0; b < B; b++) {
    int pad = pad_left ? pad_left[b] : 0;
    for (int h = 0; h < Hq; h++) {
      int g = h / group;
      const float *qb = q + (int64_t)b * Tq * q_ld + (int64_t)h * hd;
      const float *kb = k + (int64_t)b * k_rows * kv_ld + (int64_t)g * hd;
      const float *vb = v + (int64_t)b * k_rows * kv_ld + (int64_t)g * hd;
      float *s = scores + (keep ? ((int64_t)b * Hq + h) * Tq * Tk : 0);
      for (int i0 = 0; i0 < Tq; i0 += W2S_ATTENTION_BLOCK) {
        int i1 = i0 + W2S_ATTENTION_BLOCK < Tq ? i0 + W2S_ATTENTION_BLOCK : Tq;
        int keys = past + i1;
        /* scores (rows, keys) = scale * Q (rows, hd) @ K^T (hd, keys) */
        w2s_gemm(false, true, i1 - i0, keys, hd, scale, qb + (int64_t)i0 * q_ld, q_ld, kb, kv_ld, 0.0f,
                 s + (int64_t)i0 * Tk, Tk);
        for (int i = i0; i < i1; i++) {
          float l = softmax_row(s + (int64_t)i * Tk, pad, past + i, keys);
          if (lse) lse[((int64_t)b * Hq + h) * Tq + i] = l;
        }
        /* out (rows, hd) = P (rows, keys) @ V (keys, hd) */
        w2s_gemm(false, false, i1 - i0, hd, keys, 1.0f, s + (int64_t)i0 * Tk, Tk, vb, kv_ld, 0.0f,
                 out + ((int64_t)b * Tq + i0) * Dq + (int64_t)h * hd, Dq);
      }
    }
  }
}

/* P = exp(S - lse) on keys [0, i], zero on (i, keys): the probabilities of row i rebuilt from its scores. */
W2S_HOT static void rebuild_row(float *row, float l, int i, int keys) {
  for (int j = 0; j <= i; j++) row[j] = w2s_expf(row[j] - l);
  for (int j = i + 1; j < keys; j++) row[j] = 0.0f;
}

/* dS = P * (dP - d) * scale on keys [0, i], zero on (i, keys), with d = rowsum(dO * O). */
W2S_HOT static void score_grad_row(float *drow, const float *prow, float d, float scale, int i, int keys) {
  for (int j = 0; j <= i; j++) drow[j] = prow[j] * (drow[j] - d) * scale;
  for (int j = i + 1; j < keys; j++) drow[j] = 0.0f;
}

void w2s_attention_backward(float *dqkv, const float *datt, const float *att, const float *qkv, int W, int k_off,
                            int v_off, int B, int T, int Hq, int Hkv, int hd, const float *lse, float *probs, bool kept,
                            float *dprobs) {
  const int Dq = Hq * hd;
  const int group = Hq / Hkv;
  const float scale = (float)(1.0 / sqrt((double)hd));
  const int last_block = (T - 1) / W2S_ATTENTION_BLOCK * W2S_ATTENTION_BLOCK;
  for (int b = 0; b < B; b++) {
    for (int h = 0; h < Hq; h++) {
      int g = h / group;
      int64_t q_at = (int64_t)b * T * W + (int64_t)h * hd;
      int64_t k_at = k_off + (int64_t)b * T * W + (int64_t)g * hd;
      int64_t v_at = v_off + (int64_t)b * T * W + (int64_t)g * hd;
      int64_t o_at = (int64_t)b * T * Dq + (int64_t)h * hd;
      float *p = probs + (kept ? ((int64_t)b * Hq + h) * T * T : 0);
      /*
       * Blocks run last to first: the last block sees every key, so it initialises the key/value gradient rows
       * (when h is the first query head of its group) and the earlier blocks add to them.
       */
      for (int i0 = last_block; i0 >= 0; i0 -= W2S_ATTENTION_BLOCK) {
        int i1 = i0 + W2S_ATTENTION_BLOCK < T ? i0 + W2S_ATTENTION_BLOCK : T;
        int rows = i1 - i0;
        int keys = i1;
        float kv_beta = i1 == T && h % group == 0 ? 0.0f : 1.0f;
        float *p_blk = p + (int64_t)i0 * T;
        const float *do_blk = datt + o_at + (int64_t)i0 * Dq;
        if (!kept) {
          w2s_gemm(false, true, rows, keys, hd, scale, qkv + q_at + (int64_t)i0 * W, W, qkv + k_at, W, 0.0f, p_blk, T);
          for (int i = i0; i < i1; i++) rebuild_row(p + (int64_t)i * T, lse[((int64_t)b * Hq + h) * T + i], i, keys);
        }
        /* dV (keys, hd) += P^T (keys, rows) @ dO (rows, hd) */
        w2s_gemm(true, false, keys, hd, rows, 1.0f, p_blk, T, do_blk, Dq, kv_beta, dqkv + v_at, W);
        /* dP (rows, keys) = dO (rows, hd) @ V^T (hd, keys) */
        w2s_gemm(false, true, rows, keys, hd, 1.0f, do_blk, Dq, qkv + v_at, W, 0.0f, dprobs, keys);
        for (int i = i0; i < i1; i++) {
          int64_t o = o_at + (int64_t)i * Dq;
          float d = w2s_dot(datt + o, att + o, hd);
          score_grad_row(dprobs + (int64_t)(i - i0) * keys, p + (int64_t)i * T, d, scale, i, keys);
        }
        /* dQ (rows, hd) = dS (rows, keys) @ K (keys, hd); dK (keys, hd) += dS^T (keys, rows) @ Q (rows, hd) */
        w2s_gemm(false, false, rows, hd, keys, 1.0f, dprobs, keys, qkv + k_at, W, 0.0f, dqkv + q_at + (int64_t)i0 * W, W);
        w2s_gemm(true, false, keys, hd, rows, 1.0f, dprobs, keys, qkv + q_at + (int64_t)i0 * W, W, kv_beta, dqkv + k_at, W);
      }
    }
  }
}
