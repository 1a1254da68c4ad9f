/*
 * The native sgemm (native/gemm.c) checked in C, without Node: test/native/gemm-check.test.ts compiles this with the
 * sources for this machine and, where a cross-compiler and qemu-user are installed, for AArch64 (the NEON kernel),
 * then runs it. For every instruction set the CPU has: random shapes, offsets-free padded strides, all four
 * transposes, shapes across the block edges and matrix-vector shapes, against a float64 reference under the float32
 * dot-product error bound; alpha = 0 and k = 0 must not read A or B (NaN there), beta = 0 must overwrite NaN in C,
 * nothing outside C's window may change, and 1, 2 and 3 threads must give the same bits.
 * Prints one line per instruction set, "ok <isa> <cases>", and exits 1 at the first failure.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"

static uint64_t state = 88172645463325252ull;
static double rnd(void) {
  state ^= state << 13, state ^= state >> 7, state ^= state << 17;
  return (double)(state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}
static int rint_below(int n) { return (int)((rnd() + 1.0) / 2.0 * n) % n; }

static int failures;

/* One product checked against the reference; returns 1 when it matched. */
static int check(const char *isa, int ta, int tb, int m, int n, int k, float alpha, float beta, int pad) {
  int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
  size_t a_len = (size_t)(ta ? k : m) * lda + 1, b_len = (size_t)(tb ? n : k) * ldb + 1, c_len = (size_t)m * ldc + 3;
  float *a = malloc(a_len * sizeof *a), *b = malloc(b_len * sizeof *b), *c = malloc(c_len * sizeof *c);
  float *c0 = malloc(c_len * sizeof *c);
  for (size_t i = 0; i < a_len; i++) a[i] = (float)rnd();
  for (size_t i = 0; i < b_len; i++) b[i] = (float)rnd();
  for (size_t i = 0; i < c_len; i++) c[i] = (float)rnd();
  if (beta == 0.0f) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) c[(size_t)i * ldc + j] = NAN;
    }
  }
  /* With alpha = 0 or k = 0, A and B must not be read: NaN in them would show. */
  if (alpha == 0.0f || k == 0) {
    for (size_t i = 0; i < a_len; i++) a[i] = NAN;
    for (size_t i = 0; i < b_len; i++) b[i] = NAN;
  }
  memcpy(c0, c, c_len * sizeof *c);
  w2s_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  int ok = 1;
  for (int i = 0; i < m && ok; i++) {
    for (int j = 0; j < n && ok; j++) {
      double exact = 0.0, magnitude = 0.0;
      if (alpha != 0.0f) {
        for (int p = 0; p < k; p++) {
          double x = (double)(ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p]) *
                     (double)(tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j]);
          exact += x;
          magnitude += fabs(x);
        }
      }
      double before = beta == 0.0f ? 0.0 : c0[(size_t)i * ldc + j];
      double want = alpha * exact + beta * before;
      double bound = (k + 2) * ldexp(1.0, -23) * (fabs(alpha) * magnitude + fabs(beta * before)) + 1e-30;
      double got = c[(size_t)i * ldc + j];
      if (!(fabs(got - want) <= bound)) {
        fprintf(stderr, "%s: C[%d,%d] = %g, want %g (bound %g) for %c%c m=%d n=%d k=%d alpha=%g beta=%g pad=%d\n", isa, i,
                j, got, want, bound, ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, beta, pad);
        ok = 0;
      }
    }
  }
  for (size_t at = 0; at < c_len && ok; at++) {
    size_t i = at / ldc, j = at % ldc;
    if ((i < (size_t)m && j < (size_t)n) || memcmp(&c[at], &c0[at], sizeof *c) == 0) continue;
    fprintf(stderr, "%s: C[%zu] outside the window changed (%c%c m=%d n=%d k=%d)\n", isa, at, ta ? 'T' : 'N',
            tb ? 'T' : 'N', m, n, k);
    ok = 0;
  }
  free(a), free(b), free(c), free(c0);
  if (!ok) failures++;
  return ok;
}

/* The same product on 1, 2 and 3 threads must give the same bits. */
static int same_bits_on_threads(int ta, int tb, int m, int n, int k) {
  int lda = ta ? m : k, ldb = tb ? k : n;
  float *a = malloc((size_t)m * k * sizeof *a), *b = malloc((size_t)k * n * sizeof *b);
  float *c[3];
  for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)rnd();
  for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)rnd();
  int before = w2s_gemm_threads();
  for (int t = 0; t < 3; t++) {
    c[t] = calloc((size_t)m * n, sizeof *c[t]);
    w2s_gemm_set_threads(t + 1);
    w2s_gemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c[t], n);
  }
  w2s_gemm_set_threads(before);
  int ok = memcmp(c[0], c[1], (size_t)m * n * sizeof(float)) == 0 && memcmp(c[0], c[2], (size_t)m * n * sizeof(float)) == 0;
  if (!ok) {
    fprintf(stderr, "threads change the result of %c%c m=%d n=%d k=%d\n", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k);
    failures++;
  }
  free(a), free(b), free(c[0]), free(c[1]), free(c[2]);
  return ok;
}

int main(void) {
  static const int edges[][3] = {{67, 37, 520}, {10, 300, 520}, {197, 9, 40}, {3, 2085, 20}, {7, 5, 3},
                                 {1, 600, 300}, {600, 1, 300}, {1, 1, 300}, {1, 3000, 100}, {3000, 1, 100},
                                 /* matrix-vector products with a partial vector and a partial group of rows */
                                 {1, 601, 301}, {603, 1, 7}, {1, 37, 2051}, {45, 1, 13},
                                 /* transposed, m >= 512: A packed whole, over several blocks of m and k */
                                 {700, 45, 300}, {531, 70, 400}};
  static const float alphas[] = {1.0f, -0.5f, 2.25f}, betas[] = {0.0f, 1.0f, -1.5f, 0.5f};
  for (int isa = 0; isa < W2S_ISA_COUNT; isa++) {
    if (!w2s_gemm_use_isa((w2s_isa)isa)) continue;
    const char *name = w2s_isa_name((w2s_isa)isa);
    int cases = 0;
    for (int t = 0; t < 4; t++) {
      int ta = t & 1, tb = t >> 1;
      for (int r = 0; r < 40; r++, cases++) {
        check(name, ta, tb, 1 + rint_below(70), 1 + rint_below(70), 1 + rint_below(70), alphas[rint_below(3)],
              betas[rint_below(4)], rint_below(4));
      }
      for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++, cases++) {
        check(name, ta, tb, edges[e][0], edges[e][1], edges[e][2], 0.75f, betas[e % 4], (int)(e % 3));
      }
      check(name, ta, tb, 5, 6, 7, 0.0f, 2.0f, 1);
      check(name, ta, tb, 1, 6, 7, 0.0f, 0.0f, 0);
      check(name, ta, tb, 5, 6, 0, 1.0f, 0.5f, 2);
      cases += 3;
      same_bits_on_threads(ta, tb, 300, 520, 300);
      same_bits_on_threads(ta, tb, 700, 40, 300);
      same_bits_on_threads(ta, tb, 1, 3000, 300);
      same_bits_on_threads(ta, tb, 3000, 1, 300);
    }
    if (failures) return 1;
    printf("ok %s %d\n", name, cases);
  }
  return 0;
}
