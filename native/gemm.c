#include "gemm.h"

#include <cblas.h>
#include <stdint.h>

void w2s_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
              int ldb, float beta, float *c, int ldc) {
  /*
   * A single row or column of C is a matrix-vector product; OpenBLAS's sgemv runs it 2-3x faster than sgemm does
   * (one generated token per sequence). y is cleared first for beta = 0 because not every OpenBLAS release makes
   * gemv's beta = 0 overwrite NaN in y.
   */
  if ((m == 1 || n == 1) && k > 0) {
    float *y = c;
    int inc_y = m == 1 ? 1 : ldc;
    int len_y = m == 1 ? n : m;
    if (beta == 0) {
      for (int i = 0; i < len_y; i++) y[(int64_t)i * inc_y] = 0.0f;
    }
    if (m == 1) {
      /* y = op(B)^T x, x = the row of op(A) (a column of A when transposed). */
      int inc_x = trans_a ? lda : 1;
      if (trans_b) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, alpha, b, ldb, a, inc_x, beta, y, inc_y);
      } else {
        cblas_sgemv(CblasRowMajor, CblasTrans, k, n, alpha, b, ldb, a, inc_x, beta, y, inc_y);
      }
    } else {
      /* y = op(A) x, x = the column of op(B) (a row of B when transposed). */
      int inc_x = trans_b ? 1 : ldb;
      if (trans_a) {
        cblas_sgemv(CblasRowMajor, CblasTrans, k, m, alpha, a, lda, b, inc_x, beta, y, inc_y);
      } else {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, m, k, alpha, a, lda, b, inc_x, beta, y, inc_y);
      }
    }
    return;
  }
  /* BLAS rejects a leading dimension of 0 even when the matrix is empty (K = 0); 1 is equivalent there. */
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha,
              a, lda > 0 ? lda : 1, b, ldb > 0 ? ldb : 1, beta, c, ldc);
}
