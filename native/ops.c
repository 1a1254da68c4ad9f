/*
 * Node-API entry points of the fused kernels (elementwise.c, attention.c, dropout.c, optim.c): argument order as in the Kernels
 * interface (src/engine/kernels/types.ts). Each checks that every index the kernel will touch lies inside its array
 * before any work is done.
 */
#include "ops.h"

#include <stdio.h>

#include "attention.h"
#include "dropout.h"
#include "elementwise.h"
#include "optim.h"

#define ARGS(name, count)                                        \
  w2s_args a;                                                    \
  if (!w2s_args_get(env, info, name, count, &a)) return NULL

/* rmsnormForward(out, rstd, inp, weight, wOff, N, C, eps) */
napi_value w2s_op_rmsnorm_forward(napi_env env, napi_callback_info info) {
  ARGS("rmsnormForward", 8);
  float *out, *rstd, *inp, *w;
  size_t out_n, rstd_n, inp_n, w_n;
  int w_off, N, C;
  double eps;
  if (!w2s_arg_f32(&a, 0, "out", false, &out, &out_n) || !w2s_arg_f32(&a, 1, "rstd", false, &rstd, &rstd_n) ||
      !w2s_arg_f32(&a, 2, "inp", false, &inp, &inp_n) || !w2s_arg_f32(&a, 3, "weight", false, &w, &w_n) ||
      !w2s_arg_index(&a, 4, "wOff", &w_off) || !w2s_arg_index(&a, 5, "N", &N) || !w2s_arg_index(&a, 6, "C", &C) ||
      !w2s_arg_number(&a, 7, "eps", &eps)) {
    return NULL;
  }
  int64_t NC = (int64_t)N * C;
  if (!w2s_need(&a, "out", out_n, NC) || !w2s_need(&a, "rstd", rstd_n, N) || !w2s_need(&a, "inp", inp_n, NC) ||
      !w2s_need(&a, "weight", w_n, (int64_t)w_off + C)) {
    return NULL;
  }
  if (C > 0) w2s_rmsnorm_forward(out, rstd, inp, w + w_off, N, C, (float)eps);
  return NULL;
}

/* rmsnormBackward(dinp, dweight | null, dout, inp, weight, wOff, rstd, N, C) */
napi_value w2s_op_rmsnorm_backward(napi_env env, napi_callback_info info) {
  ARGS("rmsnormBackward", 9);
  float *dinp, *dw, *dout, *inp, *w, *rstd;
  size_t dinp_n, dw_n, dout_n, inp_n, w_n, rstd_n;
  int w_off, N, C;
  if (!w2s_arg_f32(&a, 0, "dinp", false, &dinp, &dinp_n) || !w2s_arg_f32(&a, 1, "dweight", true, &dw, &dw_n) ||
      !w2s_arg_f32(&a, 2, "dout", false, &dout, &dout_n) || !w2s_arg_f32(&a, 3, "inp", false, &inp, &inp_n) ||
      !w2s_arg_f32(&a, 4, "weight", false, &w, &w_n) || !w2s_arg_index(&a, 5, "wOff", &w_off) ||
      !w2s_arg_f32(&a, 6, "rstd", false, &rstd, &rstd_n) || !w2s_arg_index(&a, 7, "N", &N) ||
      !w2s_arg_index(&a, 8, "C", &C)) {
    return NULL;
  }
  int64_t NC = (int64_t)N * C;
  if (!w2s_need(&a, "dinp", dinp_n, NC) || (dw && !w2s_need(&a, "dweight", dw_n, (int64_t)w_off + C)) ||
      !w2s_need(&a, "dout", dout_n, NC) || !w2s_need(&a, "inp", inp_n, NC) ||
      !w2s_need(&a, "weight", w_n, (int64_t)w_off + C) || !w2s_need(&a, "rstd", rstd_n, N)) {
    return NULL;
  }
  if (C > 0) w2s_rmsnorm_backward(dinp, dw ? dw + w_off : NULL, dout, inp, w + w_off, rstd, N, C);
  return NULL;
}

/* swigluForward(h, sig, gateUp, N, I) */
napi_value w2s_op_swiglu_forward(napi_env env, napi_callback_info info) {
  ARGS("swigluForward", 5);
  float *h, *sig, *gu;
  size_t h_n, sig_n, gu_n;
  int N, I;
  if (!w2s_arg_f32(&a, 0, "h", false, &h, &h_n) || !w2s_arg_f32(&a, 1, "sig", false, &sig, &sig_n) ||
      !w2s_arg_f32(&a, 2, "gateUp", false, &gu, &gu_n) || !w2s_arg_index(&a, 3, "N", &N) ||
      !w2s_arg_index(&a, 4, "I", &I)) {
    return NULL;
  }
  int64_t NI = (int64_t)N * I;
  if (!w2s_need(&a, "h", h_n, NI) || !w2s_need(&a, "sig", sig_n, NI) || !w2s_need(&a, "gateUp", gu_n, 2 * NI)) {
    return NULL;
  }
  w2s_swiglu_forward(h, sig, gu, N, I);
  return NULL;
}

/* swigluBackward(dgateUp, dh, gateUp, sig, N, I) */
napi_value w2s_op_swiglu_backward(napi_env env, napi_callback_info info) {
  ARGS("swigluBackward", 6);
  float *dgu, *dh, *gu, *sig;
  size_t dgu_n, dh_n, gu_n, sig_n;
  int N, I;
  if (!w2s_arg_f32(&a, 0, "dgateUp", false, &dgu, &dgu_n) || !w2s_arg_f32(&a, 1, "dh", false, &dh, &dh_n) ||
      !w2s_arg_f32(&a, 2, "gateUp", false, &gu, &gu_n) || !w2s_arg_f32(&a, 3, "sig", false, &sig, &sig_n) ||
      !w2s_arg_index(&a, 4, "N", &N) || !w2s_arg_index(&a, 5, "I", &I)) {
    return NULL;
  }
  int64_t NI = (int64_t)N * I;
  if (!w2s_need(&a, "dgateUp", dgu_n, 2 * NI) || !w2s_need(&a, "dh", dh_n, NI) ||
      !w2s_need(&a, "gateUp", gu_n, 2 * NI) || !w2s_need(&a, "sig", sig_n, NI)) {
    return NULL;
  }
  w2s_swiglu_backward(dgu, dh, gu, sig, N, I);
  return NULL;
}

/* rope(x, ld, col0, heads, hd, pos, N, cos, sin, inverse) */
napi_value w2s_op_rope(napi_env env, napi_callback_info info) {
  ARGS("rope", 10);
  float *x, *cos_t, *sin_t;
  int32_t *pos;
  size_t x_n, pos_n, cos_n, sin_n;
  int ld, col0, heads, hd, N;
  bool inverse;
  if (!w2s_arg_f32(&a, 0, "x", false, &x, &x_n) || !w2s_arg_index(&a, 1, "ld", &ld) ||
      !w2s_arg_index(&a, 2, "col0", &col0) || !w2s_arg_index(&a, 3, "heads", &heads) ||
      !w2s_arg_index(&a, 4, "hd", &hd) || !w2s_arg_i32(&a, 5, "pos", false, &pos, &pos_n) ||
      !w2s_arg_index(&a, 6, "N", &N) || !w2s_arg_f32(&a, 7, "cos", false, &cos_t, &cos_n) ||
      !w2s_arg_f32(&a, 8, "sin", false, &sin_t, &sin_n) || !w2s_arg_bool(&a, 9, "inverse", &inverse)) {
    return NULL;
  }
  int64_t width = (int64_t)col0 + (int64_t)heads * hd;
  if (!w2s_require(&a, hd > 0 && hd % 2 == 0, "hd must be even and > 0") ||
      !w2s_require(&a, width <= ld, "the rotated columns exceed the row stride ld") ||
      !w2s_require(&a, cos_n == sin_n, "the cos and sin tables differ in size") ||
      !w2s_need(&a, "pos", pos_n, N) || (N > 0 && !w2s_need(&a, "x", x_n, (int64_t)(N - 1) * ld + width))) {
    return NULL;
  }
  int64_t positions = (int64_t)cos_n / (hd / 2);
  for (int n = 0; n < N; n++) {
    if (pos[n] < 0 || pos[n] >= positions) {
      char msg[128];
      snprintf(msg, sizeof msg, "rope: position %d of row %d is outside the tables (%lld positions)", pos[n], n,
               (long long)positions);
      napi_throw_range_error(env, NULL, msg);
      return NULL;
    }
  }
  w2s_rope(x, ld, col0, heads, hd, pos, N, cos_t, sin_t, inverse);
  return NULL;
}

/* crossEntropy(logits, m, V, targets, coefs, backward) -> loss */
napi_value w2s_op_cross_entropy(napi_env env, napi_callback_info info) {
  ARGS("crossEntropy", 6);
  float *logits, *coef;
  int32_t *target;
  size_t logits_n, target_n, coef_n;
  int m, V;
  bool backward;
  if (!w2s_arg_f32(&a, 0, "logits", false, &logits, &logits_n) || !w2s_arg_index(&a, 1, "m", &m) ||
      !w2s_arg_index(&a, 2, "V", &V) || !w2s_arg_i32(&a, 3, "targets", false, &target, &target_n) ||
      !w2s_arg_f32(&a, 4, "coefs", false, &coef, &coef_n) || !w2s_arg_bool(&a, 5, "backward", &backward)) {
    return NULL;
  }
  if (!w2s_need(&a, "logits", logits_n, (int64_t)m * V) || !w2s_need(&a, "targets", target_n, m) ||
      !w2s_need(&a, "coefs", coef_n, m)) {
    return NULL;
  }
  for (int r = 0; r < m; r++) {
    if (target[r] < 0 || target[r] >= V) {
      char msg[128];
      snprintf(msg, sizeof msg, "crossEntropy: target %d of row %d is outside the vocabulary (%d)", target[r], r, V);
      napi_throw_range_error(env, NULL, msg);
      return NULL;
    }
  }
  napi_value result;
  if (napi_create_double(env, w2s_cross_entropy(logits, m, V, target, coef, backward), &result) != napi_ok) return NULL;
  return result;
}

/* Shared checks of the attention shapes: Hq a multiple of Hkv, every dimension positive. */
static bool heads_ok(w2s_args *a, int Hq, int Hkv, int hd) {
  return w2s_require(a, Hq > 0 && Hkv > 0 && hd > 0 && Hq % Hkv == 0, "Hq, Hkv and hd must be > 0 with Hq a multiple of Hkv");
}

/* attentionForward(out, q, qLd, k, kOff, kLd, kRows, v, vOff, B, Tq, past, Hq, Hkv, hd, padLeft, lse, scores, keep) */
napi_value w2s_op_attention_forward(napi_env env, napi_callback_info info) {
  ARGS("attentionForward", 19);
  float *out, *q, *k, *v, *lse, *scores;
  int32_t *pad;
  size_t out_n, q_n, k_n, v_n, lse_n, scores_n, pad_n;
  int q_ld, k_off, kv_ld, k_rows, v_off, B, Tq, past, Hq, Hkv, hd;
  bool keep;
  if (!w2s_arg_f32(&a, 0, "out", false, &out, &out_n) || !w2s_arg_f32(&a, 1, "q", false, &q, &q_n) ||
      !w2s_arg_index(&a, 2, "qLd", &q_ld) || !w2s_arg_f32(&a, 3, "k", false, &k, &k_n) ||
      !w2s_arg_index(&a, 4, "kOff", &k_off) || !w2s_arg_index(&a, 5, "kLd", &kv_ld) ||
      !w2s_arg_index(&a, 6, "kRows", &k_rows) || !w2s_arg_f32(&a, 7, "v", false, &v, &v_n) ||
      !w2s_arg_index(&a, 8, "vOff", &v_off) || !w2s_arg_index(&a, 9, "B", &B) || !w2s_arg_index(&a, 10, "Tq", &Tq) ||
      !w2s_arg_index(&a, 11, "past", &past) || !w2s_arg_index(&a, 12, "Hq", &Hq) ||
      !w2s_arg_index(&a, 13, "Hkv", &Hkv) || !w2s_arg_index(&a, 14, "hd", &hd) ||
      !w2s_arg_i32(&a, 15, "padLeft", true, &pad, &pad_n) || !w2s_arg_f32(&a, 16, "lse", true, &lse, &lse_n) ||
      !w2s_arg_f32(&a, 17, "scores", false, &scores, &scores_n) || !w2s_arg_bool(&a, 18, "keep", &keep)) {
    return NULL;
  }
  if (!heads_ok(&a, Hq, Hkv, hd)) return NULL;
  if (B == 0 || Tq == 0) return NULL;
  int64_t Dq = (int64_t)Hq * hd, Dkv = (int64_t)Hkv * hd, Tk = (int64_t)past + Tq;
  int64_t last_key_row = (int64_t)(B - 1) * k_rows + Tk - 1;
  if (!w2s_require(&a, q_ld >= Dq, "qLd is smaller than Hq * hd") ||
      !w2s_require(&a, kv_ld >= Dkv, "kLd is smaller than Hkv * hd") ||
      !w2s_require(&a, k_rows >= Tk, "kRows is smaller than past + Tq") ||
      !w2s_need(&a, "out", out_n, (int64_t)B * Tq * Dq) ||
      !w2s_need(&a, "q", q_n, ((int64_t)B * Tq - 1) * q_ld + Dq) ||
      !w2s_need(&a, "k", k_n, k_off + last_key_row * kv_ld + Dkv) ||
      !w2s_need(&a, "v", v_n, v_off + last_key_row * kv_ld + Dkv) ||
      (pad && !w2s_need(&a, "padLeft", pad_n, B)) || (lse && !w2s_need(&a, "lse", lse_n, (int64_t)B * Hq * Tq)) ||
      !w2s_need(&a, "scores", scores_n, (keep ? (int64_t)B * Hq : 1) * Tq * Tk)) {
    return NULL;
  }
  for (int b = 0; pad && b < B; b++) {
    if (!w2s_require(&a, pad[b] >= 0 && pad[b] <= Tk, "a padLeft entry is outside [0, past + Tq]")) return NULL;
  }
  w2s_attention_forward(out, q, q_ld, k + k_off, v + v_off, kv_ld, k_rows, B, Tq, past, Hq, Hkv, hd, pad, lse, scores,
                        keep);
  return NULL;
}

/* attentionBackward(dqkv, datt, att, qkv, W, kOff, vOff, B, T, Hq, Hkv, hd, lse, probs, kept, dprobs) */
napi_value w2s_op_attention_backward(napi_env env, napi_callback_info info) {
  ARGS("attentionBackward", 16);
  float *dqkv, *datt, *att, *qkv, *lse, *probs, *dprobs;
  size_t dqkv_n, datt_n, att_n, qkv_n, lse_n, probs_n, dprobs_n;
  int W, k_off, v_off, B, T, Hq, Hkv, hd;
  bool kept;
  if (!w2s_arg_f32(&a, 0, "dqkv", false, &dqkv, &dqkv_n) || !w2s_arg_f32(&a, 1, "datt", false, &datt, &datt_n) ||
      !w2s_arg_f32(&a, 2, "att", false, &att, &att_n) || !w2s_arg_f32(&a, 3, "qkv", false, &qkv, &qkv_n) ||
      !w2s_arg_index(&a, 4, "W", &W) || !w2s_arg_index(&a, 5, "kOff", &k_off) ||
      !w2s_arg_index(&a, 6, "vOff", &v_off) || !w2s_arg_index(&a, 7, "B", &B) || !w2s_arg_index(&a, 8, "T", &T) ||
      !w2s_arg_index(&a, 9, "Hq", &Hq) || !w2s_arg_index(&a, 10, "Hkv", &Hkv) || !w2s_arg_index(&a, 11, "hd", &hd) ||
      !w2s_arg_f32(&a, 12, "lse", false, &lse, &lse_n) || !w2s_arg_f32(&a, 13, "probs", false, &probs, &probs_n) ||
      !w2s_arg_bool(&a, 14, "kept", &kept) || !w2s_arg_f32(&a, 15, "dprobs", false, &dprobs, &dprobs_n)) {
    return NULL;
  }
  if (!heads_ok(&a, Hq, Hkv, hd)) return NULL;
  if (B == 0 || T == 0) return NULL;
  int64_t Dq = (int64_t)Hq * hd, Dkv = (int64_t)Hkv * hd, rows = (int64_t)B * T;
  int64_t width = Dq > k_off + Dkv ? Dq : k_off + Dkv;
  width = width > v_off + Dkv ? width : v_off + Dkv;
  int64_t block = T < W2S_ATTENTION_BLOCK ? T : W2S_ATTENTION_BLOCK;
  if (!w2s_require(&a, width <= W, "the q, k and v columns exceed the row stride W") ||
      !w2s_need(&a, "qkv", qkv_n, rows * W) || !w2s_need(&a, "dqkv", dqkv_n, rows * W) ||
      !w2s_need(&a, "datt", datt_n, rows * Dq) || !w2s_need(&a, "att", att_n, rows * Dq) ||
      !w2s_need(&a, "lse", lse_n, (int64_t)B * Hq * T) ||
      !w2s_need(&a, "probs", probs_n, (kept ? (int64_t)B * Hq : 1) * T * T) ||
      !w2s_need(&a, "dprobs", dprobs_n, block * T)) {
    return NULL;
  }
  w2s_attention_backward(dqkv, datt, att, qkv, W, k_off, v_off, B, T, Hq, Hkv, hd, lse, probs, kept, dprobs);
  return NULL;
}

/* addSumSquares(dst, src | null, size) -> the sum of dst's squares after dst += src */
napi_value w2s_op_add_sum_squares(napi_env env, napi_callback_info info) {
  ARGS("addSumSquares", 3);
  float *dst, *src = NULL;
  size_t dst_n, src_n = 0;
  int size;
  if (!w2s_arg_f32(&a, 0, "dst", false, &dst, &dst_n) || !w2s_arg_f32(&a, 1, "src", true, &src, &src_n) ||
      !w2s_arg_index(&a, 2, "size", &size)) {
    return NULL;
  }
  if (!w2s_need(&a, "dst", dst_n, size) || (src && !w2s_need(&a, "src", src_n, size))) return NULL;
  napi_value out;
  napi_create_double(env, w2s_add_sum_squares(dst, src, size), &out);
  return out;
}

/* adamwUpdate(params, grads, m, v, offset, size, b1, b2, eps, shrink, stepSize, bc2Sqrt) */
napi_value w2s_op_adamw_update(napi_env env, napi_callback_info info) {
  ARGS("adamwUpdate", 12);
  float *p, *g, *m, *v;
  size_t p_n, g_n, m_n, v_n;
  int offset, size;
  double b1, b2, eps, shrink, step_size, bc2_sqrt;
  if (!w2s_arg_f32(&a, 0, "params", false, &p, &p_n) || !w2s_arg_f32(&a, 1, "grads", false, &g, &g_n) ||
      !w2s_arg_f32(&a, 2, "m", false, &m, &m_n) || !w2s_arg_f32(&a, 3, "v", false, &v, &v_n) ||
      !w2s_arg_index(&a, 4, "offset", &offset) || !w2s_arg_index(&a, 5, "size", &size) ||
      !w2s_arg_number(&a, 6, "b1", &b1) || !w2s_arg_number(&a, 7, "b2", &b2) || !w2s_arg_number(&a, 8, "eps", &eps) ||
      !w2s_arg_number(&a, 9, "shrink", &shrink) || !w2s_arg_number(&a, 10, "stepSize", &step_size) ||
      !w2s_arg_number(&a, 11, "bc2Sqrt", &bc2_sqrt)) {
    return NULL;
  }
  int64_t end = (int64_t)offset + size;
  if (!w2s_need(&a, "params", p_n, end) || !w2s_need(&a, "grads", g_n, end) || !w2s_need(&a, "m", m_n, end) ||
      !w2s_need(&a, "v", v_n, end)) {
    return NULL;
  }
  w2s_adamw_update(p + offset, g + offset, m + offset, v + offset, size, b1, b2, eps, shrink, step_size, bc2_sqrt);
  return NULL;
}

/* dropoutMask(x, xd, mask, offset, n, seed, threshold, keep) */
napi_value w2s_op_dropout_mask(napi_env env, napi_callback_info info) {
  ARGS("dropoutMask", 8);
  float *x, *xd;
  uint8_t *mask;
  size_t x_n, xd_n, mask_n;
  int offset, n;
  double seed, threshold, keep;
  if (!w2s_arg_f32(&a, 0, "x", false, &x, &x_n) || !w2s_arg_f32(&a, 1, "xd", false, &xd, &xd_n) ||
      !w2s_arg_u8(&a, 2, "mask", &mask, &mask_n) || !w2s_arg_index(&a, 3, "offset", &offset) ||
      !w2s_arg_index(&a, 4, "n", &n) || !w2s_arg_number(&a, 5, "seed", &seed) ||
      !w2s_arg_number(&a, 6, "threshold", &threshold) || !w2s_arg_number(&a, 7, "keep", &keep)) {
    return NULL;
  }
  int64_t end = (int64_t)offset + n;
  if (!w2s_need(&a, "x", x_n, end) || !w2s_need(&a, "xd", xd_n, end) || !w2s_need(&a, "mask", mask_n, end) ||
      !w2s_require(&a, seed >= 0 && seed <= 4294967295.0 && seed == (double)(uint32_t)seed, "seed is a 32-bit unsigned integer")) {
    return NULL;
  }
  w2s_dropout_mask(x + offset, xd + offset, mask + offset, n, (uint32_t)seed, threshold, keep);
  return NULL;
}

/* dropoutMasks(x, xd, mask, n, seeds: Uint32Array, threshold, keep): sequence b is [b * n, (b + 1) * n). */
napi_value w2s_op_dropout_masks(napi_env env, napi_callback_info info) {
  ARGS("dropoutMasks", 7);
  float *x, *xd;
  uint8_t *mask;
  uint32_t *seeds;
  size_t x_n, xd_n, mask_n, seeds_n;
  int n;
  double threshold, keep;
  if (!w2s_arg_f32(&a, 0, "x", false, &x, &x_n) || !w2s_arg_f32(&a, 1, "xd", false, &xd, &xd_n) ||
      !w2s_arg_u8(&a, 2, "mask", &mask, &mask_n) || !w2s_arg_index(&a, 3, "n", &n) ||
      !w2s_arg_u32(&a, 4, "seeds", &seeds, &seeds_n) || !w2s_arg_number(&a, 5, "threshold", &threshold) ||
      !w2s_arg_number(&a, 6, "keep", &keep)) {
    return NULL;
  }
  int64_t end = (int64_t)seeds_n * n;
  if (!w2s_need(&a, "x", x_n, end) || !w2s_need(&a, "xd", xd_n, end) || !w2s_need(&a, "mask", mask_n, end) ||
      !w2s_require(&a, seeds_n <= 2147483647u, "too many seeds")) {
    return NULL;
  }
  w2s_dropout_masks(x, xd, mask, n, seeds, (int)seeds_n, threshold, keep);
  return NULL;
}

/* dropoutApply(dst, src, mask, offset, n, keep, accumulate) */
napi_value w2s_op_dropout_apply(napi_env env, napi_callback_info info) {
  ARGS("dropoutApply", 7);
  float *dst, *src;
  uint8_t *mask;
  size_t dst_n, src_n, mask_n;
  int offset, n;
  double keep;
  bool accumulate;
  if (!w2s_arg_f32(&a, 0, "dst", false, &dst, &dst_n) || !w2s_arg_f32(&a, 1, "src", false, &src, &src_n) ||
      !w2s_arg_u8(&a, 2, "mask", &mask, &mask_n) || !w2s_arg_index(&a, 3, "offset", &offset) ||
      !w2s_arg_index(&a, 4, "n", &n) || !w2s_arg_number(&a, 5, "keep", &keep) ||
      !w2s_arg_bool(&a, 6, "accumulate", &accumulate)) {
    return NULL;
  }
  int64_t end = (int64_t)offset + n;
  if (!w2s_need(&a, "dst", dst_n, end) || !w2s_need(&a, "src", src_n, end) || !w2s_need(&a, "mask", mask_n, end)) return NULL;
  w2s_dropout_apply(dst + offset, src + offset, mask + offset, n, keep, accumulate);
  return NULL;
}
