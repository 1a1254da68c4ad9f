/* The optimizer's loops in C, with the same arithmetic as their TypeScript twins in src/engine/optim.ts. */
#ifndef W2S_OPTIM_H
#define W2S_OPTIM_H

#include <stdint.h>

/*
 * Elements [0, n) of p, g, m, v (callers pass them at the segment's offset): m = b1 m + (1 - b1) g;
 * v = b2 v + (1 - b2) g^2; p = p * shrink - step_size * m / (sqrt(v) / bc2_sqrt + eps), in double, stored as float.
 */
void w2s_adamw_update(float *p, const float *g, float *m, float *v, int64_t n, double b1, double b2, double eps,
                      double shrink, double step_size, double bc2_sqrt);

/*
 * dst[0, n) += src[0, n) (src may be NULL: nothing added), then the sum of dst's squares in double, in 8 interleaved
 * partial sums (element i into sum i % 8) added in order: the arithmetic of addSumSquares in src/engine/optim.ts.
 */
double w2s_add_sum_squares(float *dst, const float *src, int64_t n);

#endif
