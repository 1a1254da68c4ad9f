/*
 * Micro-kernels of the matrix product: each keeps an mr x nr tile of C in registers and adds the outer product of
 * one packed column of A (mr values) and one packed row of B (nr values) per step of k, so every value loaded from
 * the packed panels feeds several fused multiply-adds. The x86 kernels are compiled for their instruction set by a
 * target attribute while the rest of the addon stays baseline x86-64; gemm.c calls them only on a CPU that has it.
 */
#include "gemm_kernels.h"

#include <stddef.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define W2S_X86_KERNELS 1
#define W2S_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define W2S_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
/*
 * The tile's rows of C are fetched into cache while the k loop runs: C is written once per block of k, mostly to lines
 * no other step has touched lately, and the stores would otherwise wait for them (measured: +7-10% on whole training
 * steps of the engine, one thread).
 */
#define W2S_PREFETCH_ROW(row, floats)                                             \
  do {                                                                            \
    for (int f_ = 0; f_ < (floats); f_ += 16) _mm_prefetch((const char *)((row) + f_), _MM_HINT_T0); \
    _mm_prefetch((const char *)((row) + (floats) - 1), _MM_HINT_T0);              \
  } while (0)
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

/*
 * The vector loops of matrix-vector products, compiled once per instruction set from the same C. The 32 separate
 * sums let the compiler keep them in vector registers (it may not reorder one running sum).
 */
#define W2S_VECTOR_LOOPS(suffix, attr)                                                  \
  attr static float dot_##suffix(const float *restrict x, const float *restrict y, int n) { \
    float acc[32] = {0};                                                                \
    int i = 0;                                                                          \
    for (; i + 32 <= n; i += 32) {                                                      \
      for (int j = 0; j < 32; j++) acc[j] += x[i + j] * y[i + j];                       \
    }                                                                                   \
    float s = 0.0f;                                                                     \
    for (int j = 0; j < 32; j++) s += acc[j];                                           \
    for (; i < n; i++) s += x[i] * y[i];                                                \
    return s;                                                                           \
  }                                                                                     \
  attr static void axpy_##suffix(float a, const float *restrict x, float *restrict y, int n) { \
    for (int i = 0; i < n; i++) y[i] += a * x[i];                                       \
  }                                                                                     \
  /* y += a[0] row 0 + ... + a[3] row 3: y is loaded and stored once for four rows. */  \
  attr static void axpy4_##suffix(const float *restrict a, const float *restrict row, int64_t ld, float *restrict y, \
                                  int n) {                                              \
    const float *r0 = row, *r1 = row + ld, *r2 = row + 2 * ld, *r3 = row + 3 * ld;      \
    float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];                                   \
    for (int i = 0; i < n; i++) y[i] = y[i] + a0 * r0[i] + a1 * r1[i] + a2 * r2[i] + a3 * r3[i]; \
  }

/* Four rows' dot products with x at once (x is loaded once for the four), in plain C for the compiler to vectorise. */
#define W2S_DOT4_LOOP(suffix, attr)                                                     \
  attr static void dot4_##suffix(const float *restrict row, int64_t ld, const float *restrict x, int n, \
                                 float *restrict out) {                                 \
    const float *r0 = row, *r1 = row + ld, *r2 = row + 2 * ld, *r3 = row + 3 * ld;      \
    float a0[16] = {0}, a1[16] = {0}, a2[16] = {0}, a3[16] = {0};                       \
    int i = 0;                                                                          \
    for (; i + 16 <= n; i += 16) {                                                      \
      for (int j = 0; j < 16; j++) {                                                    \
        float xj = x[i + j];                                                            \
        a0[j] += r0[i + j] * xj;                                                        \
        a1[j] += r1[i + j] * xj;                                                        \
        a2[j] += r2[i + j] * xj;                                                        \
        a3[j] += r3[i + j] * xj;                                                        \
      }                                                                                 \
    }                                                                                   \
    /* Halving the lanes in vector adds, not 64 scalar ones (short rows spend much of their time here). */ \
    for (int w = 8; w >= 1; w /= 2) {                                                   \
      for (int j = 0; j < w; j++) a0[j] += a0[j + w], a1[j] += a1[j + w], a2[j] += a2[j + w], a3[j] += a3[j + w]; \
    }                                                                                   \
    float s0 = a0[0], s1 = a1[0], s2 = a2[0], s3 = a3[0];                               \
    for (; i < n; i++) s0 += r0[i] * x[i], s1 += r1[i] * x[i], s2 += r2[i] * x[i], s3 += r3[i] * x[i]; \
    out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;                                 \
  }

/* ---- portable: plain C, vectorised by the compiler for the build's baseline (SSE2 on x86-64). ---- */

W2S_VECTOR_LOOPS(scalar, )
W2S_DOT4_LOOP(scalar, )

#define SCALAR_MR 4
#define SCALAR_NR 8

static void kernel_scalar(int kc, const float *restrict a, int64_t rs, int64_t cs, const float *restrict b, float *c,
                          int64_t ldc, float alpha, float beta) {
  float acc[SCALAR_MR][SCALAR_NR] = {{0}};
  for (int p = 0; p < kc; p++) {
    for (int i = 0; i < SCALAR_MR; i++) {
      float ai = a[i * rs + p * cs];
      for (int j = 0; j < SCALAR_NR; j++) acc[i][j] += ai * b[p * SCALAR_NR + j];
    }
  }
  for (int i = 0; i < SCALAR_MR; i++) {
    float *row = c + i * ldc;
    for (int j = 0; j < SCALAR_NR; j++) row[j] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * row[j];
  }
}

static const w2s_gemm_isa scalar_kernels = {W2S_ISA_SCALAR, SCALAR_MR, SCALAR_NR, 256, 128, 2048,
                                            kernel_scalar,  dot4_scalar, dot_scalar, axpy_scalar, axpy4_scalar, NULL};

#ifdef W2S_X86_KERNELS

/* ---- AVX2 + FMA: 6 x 16 tile in 12 ymm accumulators, two B vectors and one broadcast per step. ---- */

W2S_VECTOR_LOOPS(avx2, W2S_TARGET_AVX2)

/*
 * dot4 with intrinsics (AVX2 and AVX-512): one vector sum per row, the rows' last partial vector read under a mask, and
 * the four sums reduced in registers. The plain-C loop kept its sums in memory for the reduction, which cost more than
 * the products on the engine's short rows (one generated token: 128-688 values).
 */
W2S_TARGET_AVX2 static float hsum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

W2S_TARGET_AVX2 static void dot4_avx2(const float *restrict row, int64_t ld, const float *restrict x, int n,
                                      float *restrict out) {
  const float *r0 = row, *r1 = row + ld, *r2 = row + 2 * ld, *r3 = row + 3 * ld;
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 xv = _mm256_loadu_ps(x + i);
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i), xv, s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i), xv, s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i), xv, s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i), xv, s3);
  }
  if (i < n) {
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - i), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 xv = _mm256_maskload_ps(x + i, mask);
    s0 = _mm256_fmadd_ps(_mm256_maskload_ps(r0 + i, mask), xv, s0);
    s1 = _mm256_fmadd_ps(_mm256_maskload_ps(r1 + i, mask), xv, s1);
    s2 = _mm256_fmadd_ps(_mm256_maskload_ps(r2 + i, mask), xv, s2);
    s3 = _mm256_fmadd_ps(_mm256_maskload_ps(r3 + i, mask), xv, s3);
  }
  out[0] = hsum_avx2(s0), out[1] = hsum_avx2(s1), out[2] = hsum_avx2(s2), out[3] = hsum_avx2(s3);
}

#define AVX2_ROW(i)                                  \
  ai = _mm256_broadcast_ss(a + (i) * rs);            \
  c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);        \
  c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);

#define AVX2_STORE(i)                                                            \
  do {                                                                           \
    float *row = c + (i) * ldc;                                                  \
    __m256 r0 = _mm256_mul_ps(va, c##i##0), r1 = _mm256_mul_ps(va, c##i##1);     \
    if (beta != 0.0f) {                                                          \
      r0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), r0);                        \
      r1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), r1);                    \
    }                                                                            \
    _mm256_storeu_ps(row, r0);                                                   \
    _mm256_storeu_ps(row + 8, r1);                                               \
  } while (0)

W2S_TARGET_AVX2 static void kernel_avx2(int kc, const float *restrict a, int64_t rs, int64_t cs, const float *restrict b,
                                        float *c, int64_t ldc, float alpha, float beta) {
  for (int i = 0; i < 6; i++) W2S_PREFETCH_ROW(c + i * ldc, 16);
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int p = 0; p < kc; p++) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), ai;
    AVX2_ROW(0) AVX2_ROW(1) AVX2_ROW(2) AVX2_ROW(3) AVX2_ROW(4) AVX2_ROW(5)
    a += cs;
    b += 16;
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  AVX2_STORE(0);
  AVX2_STORE(1);
  AVX2_STORE(2);
  AVX2_STORE(3);
  AVX2_STORE(4);
  AVX2_STORE(5);
}

/*
 * The small-product tile of AVX2 (see small_avx512): ROWS rows (6, 4, 2 or 1) by up to 8 * VECS columns, the column
 * edge through maskload / maskstore (a masked-out lane is neither read nor written).
 */
#define SMALL2_ROW(i)                                              \
  if ((i) < ROWS) {                                                \
    __m256 ai = _mm256_broadcast_ss(a##i);                         \
    acc##i##0 = _mm256_fmadd_ps(ai, b0, acc##i##0);                \
    if (VECS == 2) acc##i##1 = _mm256_fmadd_ps(ai, b1, acc##i##1); \
    a##i += cs;                                                    \
  }
#define SMALL2_STORE_VEC(i, v, mask)                                                                      \
  {                                                                                                       \
    __m256 r = _mm256_mul_ps(va, acc##i##v);                                                              \
    if (beta != 0.0f) r = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c + (i) * ldc + 8 * (v), mask), r);     \
    _mm256_maskstore_ps(c + (i) * ldc + 8 * (v), mask, r);                                                \
  }
#define SMALL2_STORE(i)                         \
  if ((i) < ROWS && (i) < rows) {               \
    SMALL2_STORE_VEC(i, 0, m0)                  \
    if (VECS == 2) SMALL2_STORE_VEC(i, 1, m1)   \
  }

W2S_TARGET_AVX2 static inline __attribute__((always_inline)) void small_tile_avx2(
    const int ROWS, const int VECS, int rows, int k, const float *ap, int64_t rs, int64_t cs, const float *restrict bp,
    int64_t bs, __m256i m0, __m256i m1, float *c, int64_t ldc, float alpha, float beta) {
  const float *a0 = ap, *a1 = ap + (1 < rows ? rs : 0), *a2 = ap + (2 < rows ? 2 * rs : 0), *a3 = ap + (3 < rows ? 3 * rs : 0);
  const float *a4 = ap + (4 < rows ? 4 * rs : 0), *a5 = ap + (5 < rows ? 5 * rs : 0);
  __m256 acc00 = _mm256_setzero_ps(), acc01 = acc00, acc10 = acc00, acc11 = acc00, acc20 = acc00, acc21 = acc00;
  __m256 acc30 = acc00, acc31 = acc00, acc40 = acc00, acc41 = acc00, acc50 = acc00, acc51 = acc00;
  for (int p = 0; p < k; p++) {
    __m256 b0 = _mm256_maskload_ps(bp, m0), b1 = b0;
    if (VECS == 2) b1 = _mm256_maskload_ps(bp + 8, m1);
    SMALL2_ROW(0) SMALL2_ROW(1) SMALL2_ROW(2) SMALL2_ROW(3) SMALL2_ROW(4) SMALL2_ROW(5)
    bp += bs;
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  SMALL2_STORE(0) SMALL2_STORE(1) SMALL2_STORE(2) SMALL2_STORE(3) SMALL2_STORE(4) SMALL2_STORE(5)
}

/* The first `count` of 8 lanes set: a mask for maskload / maskstore. */
W2S_TARGET_AVX2 static inline __m256i lanes_avx2(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/*
 * The tiles of one column block of a small product: TOP rows (the ISA's tallest tile) at a time, then the last rows
 * with a tile of 4, 2 or 1 rows that fits them.
 */
#define SMALL_COLUMN_BLOCK(TILE, TOP, VECS)                                                                        \
  for (int i0 = 0; i0 < m; i0 += TOP) {                                                                            \
    int rows = m - i0 < TOP ? m - i0 : TOP;                                                                        \
    const float *ap = a + i0 * rs;                                                                                 \
    float *cp = c + i0 * ldc + j0;                                                                                 \
    if (rows > 4) {                                                                                                \
      TILE(TOP, VECS, rows, k, ap, rs, cs, b + j0, bs, m0, m1, cp, ldc, alpha, beta);                              \
    } else if (rows > 2) {                                                                                         \
      TILE(4, VECS, rows, k, ap, rs, cs, b + j0, bs, m0, m1, cp, ldc, alpha, beta);                                \
    } else if (rows == 2) {                                                                                        \
      TILE(2, VECS, rows, k, ap, rs, cs, b + j0, bs, m0, m1, cp, ldc, alpha, beta);                                \
    } else {                                                                                                       \
      TILE(1, VECS, rows, k, ap, rs, cs, b + j0, bs, m0, m1, cp, ldc, alpha, beta);                                \
    }                                                                                                              \
  }

W2S_TARGET_AVX2 static void small_avx2(int m, int n, int k, const float *a, int64_t rs, int64_t cs, const float *b,
                                       int64_t bs, float *c, int64_t ldc, float alpha, float beta) {
  for (int j0 = 0; j0 < n; j0 += 16) {
    int cols = n - j0 < 16 ? n - j0 : 16;
    __m256i m0 = lanes_avx2(cols), m1 = lanes_avx2(cols - 8);
    if (cols > 8) {
      SMALL_COLUMN_BLOCK(small_tile_avx2, 6, 2)
    } else {
      SMALL_COLUMN_BLOCK(small_tile_avx2, 6, 1)
    }
  }
}

static const w2s_gemm_isa avx2_kernels = {W2S_ISA_AVX2, 6,         16,        256,        144,         2048,
                                          kernel_avx2,  dot4_avx2, dot_avx2,  axpy_avx2,  axpy4_avx2,  small_avx2};

/* ---- AVX-512F: 8 x 32 tile in 16 zmm accumulators. ---- */

W2S_VECTOR_LOOPS(avx512, W2S_TARGET_AVX512)

/* A 512-bit sum folded to 256 bits, then the AVX2 reduction. */
W2S_TARGET_AVX512 static float hsum_avx512(__m512 v) {
  return hsum_avx2(_mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
}

W2S_TARGET_AVX512 static void dot4_avx512(const float *restrict row, int64_t ld, const float *restrict x, int n,
                                          float *restrict out) {
  const float *r0 = row, *r1 = row + ld, *r2 = row + 2 * ld, *r3 = row + 3 * ld;
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    /* The next four rows (a matrix-vector product reads rows in order): into L1 while these are summed. */
    _mm_prefetch((const char *)(r0 + 4 * ld + i), _MM_HINT_T0);
    _mm_prefetch((const char *)(r1 + 4 * ld + i), _MM_HINT_T0);
    _mm_prefetch((const char *)(r2 + 4 * ld + i), _MM_HINT_T0);
    _mm_prefetch((const char *)(r3 + 4 * ld + i), _MM_HINT_T0);
    __m512 xv = _mm512_loadu_ps(x + i);
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + i), xv, s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + i), xv, s1);
    s2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + i), xv, s2);
    s3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + i), xv, s3);
  }
  if (i < n) {
    __mmask16 mask = (__mmask16)((1u << (n - i)) - 1u);
    __m512 xv = _mm512_maskz_loadu_ps(mask, x + i);
    s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, r0 + i), xv, s0);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, r1 + i), xv, s1);
    s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, r2 + i), xv, s2);
    s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, r3 + i), xv, s3);
  }
  out[0] = hsum_avx512(s0), out[1] = hsum_avx512(s1), out[2] = hsum_avx512(s2), out[3] = hsum_avx512(s3);
}

#define AVX512_ROW(i)                                \
  ai = _mm512_set1_ps(a[(i) * rs]);                  \
  c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0);        \
  c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1);

#define AVX512_STORE(i)                                                          \
  do {                                                                           \
    float *row = c + (i) * ldc;                                                  \
    __m512 r0 = _mm512_mul_ps(va, c##i##0), r1 = _mm512_mul_ps(va, c##i##1);     \
    if (beta != 0.0f) {                                                          \
      r0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row), r0);                        \
      r1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row + 16), r1);                   \
    }                                                                            \
    _mm512_storeu_ps(row, r0);                                                   \
    _mm512_storeu_ps(row + 16, r1);                                              \
  } while (0)

W2S_TARGET_AVX512 static void kernel_avx512(int kc, const float *restrict a, int64_t rs, int64_t cs,
                                            const float *restrict b, float *c, int64_t ldc, float alpha, float beta) {
  for (int i = 0; i < 8; i++) W2S_PREFETCH_ROW(c + i * ldc, 32);
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
  for (int p = 0; p < kc; p++) {
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16), ai;
    AVX512_ROW(0) AVX512_ROW(1) AVX512_ROW(2) AVX512_ROW(3) AVX512_ROW(4) AVX512_ROW(5) AVX512_ROW(6) AVX512_ROW(7)
    a += cs;
    b += 32;
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  AVX512_STORE(0);
  AVX512_STORE(1);
  AVX512_STORE(2);
  AVX512_STORE(3);
  AVX512_STORE(4);
  AVX512_STORE(5);
  AVX512_STORE(6);
  AVX512_STORE(7);
}

/*
 * One tile of a small product: ROWS rows (8, 4, 2 or 1; past the last row of C, a row reads row 0 of the tile and is
 * not stored) by up to 16 * VECS columns (the edge through masks: a masked-out lane is neither read nor written).
 */
#define SMALL_ROW(i)                                               \
  if ((i) < ROWS) {                                                \
    __m512 ai = _mm512_set1_ps(*a##i);                             \
    acc##i##0 = _mm512_fmadd_ps(ai, b0, acc##i##0);                \
    if (VECS == 2) acc##i##1 = _mm512_fmadd_ps(ai, b1, acc##i##1); \
    a##i += cs;                                                    \
  }
#define SMALL_STORE_VEC(i, v, mask)                                                                   \
  {                                                                                                   \
    __m512 r = _mm512_mul_ps(va, acc##i##v);                                                          \
    if (beta != 0.0f) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, c + (i) * ldc + 16 * (v)), r); \
    _mm512_mask_storeu_ps(c + (i) * ldc + 16 * (v), mask, r);                                         \
  }
#define SMALL_STORE(i)                          \
  if ((i) < ROWS && (i) < rows) {               \
    SMALL_STORE_VEC(i, 0, m0)                   \
    if (VECS == 2) SMALL_STORE_VEC(i, 1, m1)    \
  }

W2S_TARGET_AVX512 static inline __attribute__((always_inline)) void small_tile_avx512(
    const int ROWS, const int VECS, int rows, int k, const float *ap, int64_t rs, int64_t cs, const float *restrict bp,
    int64_t bs, __mmask16 m0, __mmask16 m1, float *c, int64_t ldc, float alpha, float beta) {
  const float *a0 = ap, *a1 = ap + (1 < rows ? rs : 0), *a2 = ap + (2 < rows ? 2 * rs : 0), *a3 = ap + (3 < rows ? 3 * rs : 0);
  const float *a4 = ap + (4 < rows ? 4 * rs : 0), *a5 = ap + (5 < rows ? 5 * rs : 0), *a6 = ap + (6 < rows ? 6 * rs : 0);
  const float *a7 = ap + (7 < rows ? 7 * rs : 0);
  __m512 acc00 = _mm512_setzero_ps(), acc01 = acc00, acc10 = acc00, acc11 = acc00, acc20 = acc00, acc21 = acc00;
  __m512 acc30 = acc00, acc31 = acc00, acc40 = acc00, acc41 = acc00, acc50 = acc00, acc51 = acc00, acc60 = acc00;
  __m512 acc61 = acc00, acc70 = acc00, acc71 = acc00;
  for (int p = 0; p < k; p++) {
    __m512 b0 = _mm512_maskz_loadu_ps(m0, bp), b1 = b0;
    if (VECS == 2) b1 = _mm512_maskz_loadu_ps(m1, bp + 16);
    SMALL_ROW(0) SMALL_ROW(1) SMALL_ROW(2) SMALL_ROW(3) SMALL_ROW(4) SMALL_ROW(5) SMALL_ROW(6) SMALL_ROW(7)
    bp += bs;
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  SMALL_STORE(0) SMALL_STORE(1) SMALL_STORE(2) SMALL_STORE(3) SMALL_STORE(4) SMALL_STORE(5) SMALL_STORE(6) SMALL_STORE(7)
}

W2S_TARGET_AVX512 static void small_avx512(int m, int n, int k, const float *a, int64_t rs, int64_t cs, const float *b,
                                           int64_t bs, float *c, int64_t ldc, float alpha, float beta) {
  for (int j0 = 0; j0 < n; j0 += 32) {
    int cols = n - j0 < 32 ? n - j0 : 32;
    __mmask16 m0 = cols >= 16 ? 0xffff : (__mmask16)((1u << cols) - 1);
    __mmask16 m1 = cols >= 32 ? 0xffff : cols > 16 ? (__mmask16)((1u << (cols - 16)) - 1) : 0;
    if (cols > 16) {
      SMALL_COLUMN_BLOCK(small_tile_avx512, 8, 2)
    } else {
      SMALL_COLUMN_BLOCK(small_tile_avx512, 8, 1)
    }
  }
}

static const w2s_gemm_isa avx512_kernels = {W2S_ISA_AVX512, 8,           32,         256,        192,         2048,
                                            kernel_avx512,  dot4_avx512, dot_avx512, axpy_avx512, axpy4_avx512, small_avx512};

#endif

#if defined(__aarch64__)

/* ---- NEON: 8 x 8 tile in 16 q accumulators; each A value is used from its vector lane. ---- */

W2S_VECTOR_LOOPS(neon, )
W2S_DOT4_LOOP(neon, )

#define NEON_ROW(i, av, lane)                               \
  c##i##0 = vfmaq_laneq_f32(c##i##0, b0, av, lane);         \
  c##i##1 = vfmaq_laneq_f32(c##i##1, b1, av, lane);

#define NEON_STORE(i)                                                              \
  do {                                                                             \
    float *row = c + (i) * ldc;                                                    \
    float32x4_t r0 = vmulq_n_f32(c##i##0, alpha), r1 = vmulq_n_f32(c##i##1, alpha); \
    if (beta != 0.0f) {                                                            \
      r0 = vfmaq_n_f32(r0, vld1q_f32(row), beta);                                  \
      r1 = vfmaq_n_f32(r1, vld1q_f32(row + 4), beta);                              \
    }                                                                              \
    vst1q_f32(row, r0);                                                            \
    vst1q_f32(row + 4, r1);                                                        \
  } while (0)

static void kernel_neon(int kc, const float *restrict a, int64_t rs, int64_t cs, const float *restrict b, float *c,
                        int64_t ldc, float alpha, float beta) {
  float32x4_t c00 = vdupq_n_f32(0.0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  float32x4_t c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
  for (int p = 0; p < kc; p++) {
    float32x4_t a0, a1, b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
    if (rs == 1) {
      a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
    } else {
      /* Lanes from eight rows of an unpacked A. */
      float t[8] = {a[0], a[rs], a[2 * rs], a[3 * rs], a[4 * rs], a[5 * rs], a[6 * rs], a[7 * rs]};
      a0 = vld1q_f32(t), a1 = vld1q_f32(t + 4);
    }
    NEON_ROW(0, a0, 0) NEON_ROW(1, a0, 1) NEON_ROW(2, a0, 2) NEON_ROW(3, a0, 3)
    NEON_ROW(4, a1, 0) NEON_ROW(5, a1, 1) NEON_ROW(6, a1, 2) NEON_ROW(7, a1, 3)
    a += cs;
    b += 8;
  }
  NEON_STORE(0);
  NEON_STORE(1);
  NEON_STORE(2);
  NEON_STORE(3);
  NEON_STORE(4);
  NEON_STORE(5);
  NEON_STORE(6);
  NEON_STORE(7);
}

static const w2s_gemm_isa neon_kernels = {W2S_ISA_NEON, 8, 8, 256, 128, 2048, kernel_neon, dot4_neon, dot_neon, axpy_neon, axpy4_neon, NULL};

#endif

const w2s_gemm_isa *w2s_gemm_kernels(w2s_isa isa) {
  switch (isa) {
    case W2S_ISA_SCALAR:
      return &scalar_kernels;
#ifdef W2S_X86_KERNELS
    case W2S_ISA_AVX2:
      return &avx2_kernels;
    case W2S_ISA_AVX512:
      return &avx512_kernels;
#endif
#if defined(__aarch64__)
    case W2S_ISA_NEON:
      return &neon_kernels;
#endif
    default:
      return NULL;
  }
}
