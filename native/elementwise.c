/*
 * Row-wise kernels (see elementwise.h). Each inner loop runs over one contiguous row and is written so the compiler
 * vectorises it: no calls but the inline helpers of simd.h, sums into float lanes. Rows are short (C, I or V wide), so
 * their float sums stay within a few ulps of the double sums of the TypeScript twins.
 */
#include "elementwise.h"

#include <math.h>

#include "simd.h"

W2S_HOT void w2s_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int N, int C, float eps) {
  for (int n = 0; n < N; n++) {
    const float *x = inp + (int64_t)n * C;
    float *y = out + (int64_t)n * C;
    float r = 1.0f / sqrtf(w2s_dot(x, x, C) / (float)C + eps);
    rstd[n] = r;
    for (int c = 0; c < C; c++) y[c] = x[c] * r * w[c];
  }
}

/* With g = dout * w: dinp = r * g - inp * r^3 * mean(g * inp); dw = sum over rows of dout * inp * r. */
W2S_HOT void w2s_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                                  const float *rstd, int N, int C) {
  for (int n = 0; n < N; n++) {
    const float *x = inp + (int64_t)n * C;
    const float *dy = dout + (int64_t)n * C;
    float *dx = dinp + (int64_t)n * C;
    float r = rstd[n];
    float k = w2s_dot3(dy, w, x, C) * r * r * r / (float)C;
    for (int c = 0; c < C; c++) dx[c] += r * dy[c] * w[c] - k * x[c];
    if (dw) {
      for (int c = 0; c < C; c++) dw[c] += dy[c] * x[c] * r;
    }
  }
}

W2S_HOT void w2s_swiglu_forward(float *h, float *sig, const float *gate_up, int N, int I) {
  for (int n = 0; n < N; n++) {
    const float *g = gate_up + (int64_t)n * 2 * I;
    const float *u = g + I;
    float *hn = h + (int64_t)n * I;
    float *sn = sig + (int64_t)n * I;
    for (int i = 0; i < I; i++) {
      float s = 1.0f / (1.0f + w2s_expf(-g[i]));
      sn[i] = s;
      hn[i] = g[i] * s * u[i];
    }
  }
}

/* du = dh * g * s; dg = dh * u * s * (1 + g * (1 - s)) with s = sigmoid(g). */
W2S_HOT void w2s_swiglu_backward(float *dgate_up, const float *dh, const float *gate_up, const float *sig, int N, int I) {
  for (int n = 0; n < N; n++) {
    const float *g = gate_up + (int64_t)n * 2 * I;
    const float *u = g + I;
    const float *d = dh + (int64_t)n * I;
    const float *s = sig + (int64_t)n * I;
    float *dg = dgate_up + (int64_t)n * 2 * I;
    float *du = dg + I;
    for (int i = 0; i < I; i++) {
      dg[i] = d[i] * u[i] * s[i] * (1.0f + g[i] * (1.0f - s[i]));
      du[i] = d[i] * g[i] * s[i];
    }
  }
}

/* Forward: [a, b] -> [a cos - b sin, b cos + a sin]; inverse: [a, b] -> [a cos + b sin, b cos - a sin]. */
W2S_HOT void w2s_rope(float *x, int ld, int col0, int heads, int hd, const int32_t *pos, int N, const float *cos_t,
                      const float *sin_t, bool inverse) {
  int half = hd / 2;
  float sign = inverse ? -1.0f : 1.0f;
  for (int n = 0; n < N; n++) {
    const float *cs = cos_t + (int64_t)pos[n] * half;
    const float *sn = sin_t + (int64_t)pos[n] * half;
    for (int h = 0; h < heads; h++) {
      float *a = x + (int64_t)n * ld + col0 + (int64_t)h * hd;
      float *b = a + half;
      for (int i = 0; i < half; i++) {
        float s = sign * sn[i];
        float ai = a[i], bi = b[i];
        a[i] = ai * cs[i] - bi * s;
        b[i] = bi * cs[i] + ai * s;
      }
    }
  }
}

W2S_HOT double w2s_cross_entropy(float *logits, int m, int V, const int32_t *target, const float *coef, bool backward) {
  double loss = 0.0;
  for (int r = 0; r < m; r++) {
    float *z = logits + (int64_t)r * V;
    float max = w2s_max(z, V);
    int t = target[r];
    float zt = z[t] - max;
    float sum = backward ? w2s_exp_shifted(z, max, V) : w2s_sum_exp(z, max, V);
    float c = coef[r];
    loss += (double)c * (log((double)sum) - (double)zt);
    if (backward) {
      float k = c / sum;
      for (int v = 0; v < V; v++) z[v] *= k;
      z[t] -= c;
    }
  }
  return loss;
}
