/*
 * The register-blocked parts of the matrix product, one set per instruction set (native/gemm_kernels.c); the
 * blocking, packing and threads around them are in native/gemm.c.
 */
#ifndef W2S_GEMM_KERNELS_H
#define W2S_GEMM_KERNELS_H

#include <stdint.h>

#include "simd.h"

typedef struct {
  w2s_isa isa;
  /* Register block: the micro-kernel computes an mr x nr tile of C. */
  int mr, nr;
  /* Cache blocks: kc x nr of packed B stays in L1, mc x kc of A in L2, kc x nc of packed B in L3. */
  int kc, mc, nc;
  /*
   * tile (mr x nr, row stride ldc) = alpha * sum over p < kc of a[i * rs + p * cs] * b[p * nr + j] + beta * tile,
   * B from a panel packed by gemm.c, A read in place (rs = lda, cs = 1; transposed: rs = 1, cs = lda) or from a
   * packed edge panel (rs = 1, cs = mr). beta = 0 writes the tile without reading it (NaN there does not propagate).
   */
  void (*kernel)(int kc, const float *a, int64_t rs, int64_t cs, const float *b, float *c, int64_t ldc, float alpha,
                 float beta);
  /* out[r] = sum of rows[r][i] * x[i] over n elements, for r < 4 (rows[r] = row + r * ld). */
  void (*dot4)(const float *row, int64_t ld, const float *x, int n, float *out);
  /* sum of x[i] * y[i] over n elements. */
  float (*dot)(const float *x, const float *y, int n);
  /* y[i] += a * x[i] over n elements. */
  void (*axpy)(float a, const float *x, float *y, int n);
  /* y[0, n) += a[0] * row[0, n) + ... + a[3] * (row + 3 * ld)[0, n). */
  void (*axpy4)(const float *a, const float *row, int64_t ld, float *y, int n);
  /*
   * Small products without packing (NULL where this instruction set has none): C (m x n, row stride ldc) = alpha *
   * sum over p < k of a[i * rs + p * cs] * b[p * bs + j] + beta * C, every row of B read in place (its edge through
   * masked loads); same order of sums as `kernel` over one block of k. gemm.c picks the shapes (see W2S_SMALL_*).
   */
  void (*small)(int m, int n, int k, const float *a, int64_t rs, int64_t cs, const float *b, int64_t bs, float *c,
                int64_t ldc, float alpha, float beta);
} w2s_gemm_isa;

/* The kernels for `isa`, or NULL when this build has none for it (another architecture). */
const w2s_gemm_isa *w2s_gemm_kernels(w2s_isa isa);

#endif
