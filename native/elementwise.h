/*
 * The engine's row-wise kernels in C: the same operations and argument order as the files of src/engine/layers/ and the loss
 * head in src/engine/loss.ts (their TypeScript twins), on float32 rows. Callers have checked every extent.
 */
#ifndef W2S_ELEMENTWISE_H
#define W2S_ELEMENTWISE_H

#include <stdbool.h>
#include <stdint.h>

/* out (N, C) = inp * rstd * w; rstd (N) = 1 / sqrt(mean(inp^2) + eps). */
void w2s_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int N, int C, float eps);

/* dinp (N, C) += d/d(inp); dw (C) += d/d(w) unless dw is NULL; from dout (N, C) and the forward pass's rstd. */
void w2s_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                          const float *rstd, int N, int C);

/* h (N, I) = silu(g) * u and sig (N, I) = sigmoid(g), each row of gate_up (N, 2I) being [g | u]. */
void w2s_swiglu_forward(float *h, float *sig, const float *gate_up, int N, int I);

/* dgate_up (N, 2I) = gradients of [g | u] from dh (N, I). */
void w2s_swiglu_backward(float *dgate_up, const float *dh, const float *gate_up, const float *sig, int N, int I);

/*
 * Rotates `heads` head vectors of width hd from column col0 of each row of x (N, ld) in place, row n at position
 * pos[n], with cos/sin tables of hd / 2 columns; `inverse` applies the transposed rotation (the backward pass).
 */
void w2s_rope(float *x, int ld, int col0, int heads, int hd, const int32_t *pos, int N, const float *cos_t,
              const float *sin_t, bool inverse);

/*
 * Softmax cross-entropy of m rows of logits (m, V): returns sum_r coef[r] * -log softmax(row r)[target[r]] (in
 * double). With `backward`, each row is replaced by coef[r] * (softmax - onehot(target)); otherwise rows are left as
 * they were.
 */
double w2s_cross_entropy(float *logits, int m, int V, const int32_t *target, const float *coef, bool backward);

#endif
