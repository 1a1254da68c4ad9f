/* The one matrix product every native kernel uses: cblas_sgemm, with a faster path for a single row or column. */
#ifndef W2S_GEMM_H
#define W2S_GEMM_H

#include <stdbool.h>

/*
 * C (m x n) = alpha * op(A) @ op(B) + beta * C on row-major matrices (A stored k x m when trans_a, B stored n x k
 * when trans_b), as the Kernels.sgemm contract describes. Callers have checked every extent; m, n >= 1.
 */
void w2s_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
              int ldb, float beta, float *c, int ldc);

#endif
