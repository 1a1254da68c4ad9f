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
