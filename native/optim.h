/* The AdamW update in C: the same arithmetic as adamwUpdate in src/engine/optim.ts (its TypeScript twin). */
#ifndef W2S_OPTIM_H
#define W2S_OPTIM_H

#include <stdint.h>

/*
 * Elements [0, n) of p, g, m, v (callers pass them at the segment's offset): m = b1 m + (1 - b1) g;
 * v = b2 v + (1 - b2) g^2; p = p * shrink - step_size * m / (sqrt(v) / bc2_sqrt + eps), in double, stored as float.
 */
void w2s_adamw_update(float *p, const float *g, float *m, float *v, int64_t n, double b1, double b2, double eps,
                      double shrink, double step_size, double bc2_sqrt);

#endif
