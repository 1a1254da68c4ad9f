/*
 * The one matrix product every native kernel uses: the addon's own packed, register-blocked sgemm (native/
 * gemm_kernels.c for the instruction set the CPU has), or OpenBLAS when it is asked for and present at run time.
 */
#ifndef W2S_GEMM_H
#define W2S_GEMM_H

#include <stdbool.h>

#include "simd.h"

/*
 * C (m x n) = alpha * op(A) @ op(B) + beta * C on row-major matrices (A stored k x m when trans_a, B stored n x k
 * when trans_b), as the Kernels.sgemm contract describes. Callers have checked every extent; m, n >= 1.
 */
void w2s_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
              int ldb, float beta, float *c, int ldc);

/* The instruction set the product runs on (chosen at first use: W2S_SIMD, else the widest the CPU has). */
w2s_isa w2s_gemm_isa_active(void);
/* Uses `isa` from now on; false (and nothing changes) when the CPU or this build lacks it. */
bool w2s_gemm_use_isa(w2s_isa isa);

typedef enum { W2S_PROVIDER_W2S, W2S_PROVIDER_OPENBLAS } w2s_provider;
w2s_provider w2s_gemm_provider(void);
/*
 * Switches the provider; OpenBLAS is loaded (dlopen) on first use. False, with the reason in *why, when it cannot
 * be loaded.
 */
bool w2s_gemm_use_provider(w2s_provider provider, const char **why);
/* OpenBLAS's build and core, when it is loaded (else NULL). */
const char *w2s_openblas_config(void);
const char *w2s_openblas_core(void);

/* Threads for one product (the addon's pool and, when loaded, OpenBLAS's). */
int w2s_gemm_threads(void);
void w2s_gemm_set_threads(int threads);

#endif
