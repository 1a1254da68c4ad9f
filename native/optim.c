#include "optim.h"

#include <math.h>

#include "simd.h"

/* In double like the TypeScript twin, so both round each stored value from the same exact-enough result. */
W2S_HOT void w2s_adamw_update(float *p, const float *g, float *m, float *v, int64_t n, double b1, double b2, double eps,
                              double shrink, double step_size, double bc2_sqrt) {
  const double inv_bc2 = 1.0 / bc2_sqrt;
  for (int64_t i = 0; i < n; i++) {
    double gi = g[i];
    double mi = b1 * m[i] + (1.0 - b1) * gi;
    double vi = b2 * v[i] + (1.0 - b2) * gi * gi;
    m[i] = (float)mi;
    v[i] = (float)vi;
    p[i] = (float)(p[i] * shrink - step_size * mi / (sqrt(vi) * inv_bc2 + eps));
  }
}

/* Element i's square goes into sum i % 8 whatever the instruction set, so every build gives the same bits. */
W2S_HOT double w2s_add_sum_squares(float *dst, const float *src, int64_t n) {
  double sum[8] = {0};
  int64_t i = 0;
  if (src) {
    for (; i + 8 <= n; i += 8) {
      for (int j = 0; j < 8; j++) {
        float d = dst[i + j] + src[i + j];
        dst[i + j] = d;
        sum[j] += (double)d * d;
      }
    }
    for (int64_t t = i; t < n; t++) dst[t] += src[t];
  } else {
    for (; i + 8 <= n; i += 8) {
      for (int j = 0; j < 8; j++) sum[j] += (double)dst[i + j] * dst[i + j];
    }
  }
  for (int64_t t = i; t < n; t++) sum[t - i] += (double)dst[t] * dst[t];
  double total = 0.0;
  for (int j = 0; j < 8; j++) total += sum[j];
  return total;
}
