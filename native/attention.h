/*
 * Causal grouped-query attention in C: the same algorithm, block size and argument meaning as
 * src/engine/layers/attention.ts (its TypeScript twin), one call per layer instead of several per head.
 * Callers have checked every extent.
 */
#ifndef W2S_ATTENTION_H
#define W2S_ATTENTION_H

#include <stdbool.h>
#include <stdint.h>

/*
 * out (B * Tq, Hq * hd) = softmax(Q K^T / sqrt(hd)) V over keys [pad_left[b], past + i] for query i of sequence b.
 * q: row (b * Tq + i) at q + (b * Tq + i) * q_ld; k and v: key j of sequence b at (b * k_rows + j) * kv_ld.
 * lse (B, Hq, Tq) receives each row's log-sum-exp unless NULL. scores is scratch of Tq * (past + Tq) floats, or with
 * `keep` the (B, Hq, Tq, past + Tq) store of every head's probabilities.
 */
void w2s_attention_forward(float *out, const float *q, int q_ld, const float *k, const float *v, int kv_ld, int k_rows,
                           int B, int Tq, int past, int Hq, int Hkv, int hd, const int32_t *pad_left, float *lse,
                           float *scores, bool keep);

/*
 * The training layout's backward pass (past 0, no padding): queries, keys and values are columns 0, k_off and v_off
 * of qkv (B * T, W), and their gradients go to the same columns of dqkv. datt and att are (B * T, Hq * hd). probs
 * holds the forward pass's probabilities when `kept`, else is (T, T) scratch rebuilt from lse; dprobs is scratch of
 * min(T, block) * T floats.
 */
void w2s_attention_backward(float *dqkv, const float *datt, const float *att, const float *qkv, int W, int k_off,
                            int v_off, int B, int T, int Hq, int Hkv, int hd, const float *lse, float *probs, bool kept,
                            float *dprobs);

/* Query rows per block (see attention.ts). */
#define W2S_ATTENTION_BLOCK 32

#endif
