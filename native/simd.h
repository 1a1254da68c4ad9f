/*
 * Vector code that is safe on every x86-64: the hot loops are compiled twice (x86-64-v3, i.e. AVX2 with FMA, and the
 * baseline SSE2) and the loader picks the clone the running CPU supports, so an addon built on one machine still
 * runs on an older one. Other targets (ARM, macOS's toolchain) get one -O3 build, auto-vectorised for their baseline.
 * The matrix product's kernels are chosen at run time too, by w2s_best_isa below (or W2S_SIMD).
 */
#ifndef W2S_SIMD_H
#define W2S_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define W2S_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define W2S_HOT
#endif

/*
 * The instruction sets the matrix product has hand-written kernels for (native/gemm_kernels.c), from the most
 * portable up. The build is always baseline code; the kernel is chosen at run time among those the CPU supports.
 */
typedef enum { W2S_ISA_SCALAR, W2S_ISA_AVX2, W2S_ISA_AVX512, W2S_ISA_NEON, W2S_ISA_COUNT } w2s_isa;

static inline const char *w2s_isa_name(w2s_isa isa) {
  static const char *const names[W2S_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon"};
  return (unsigned)isa < W2S_ISA_COUNT ? names[isa] : "unknown";
}

/* Whether this CPU (and its OS, which must save the wider registers) runs code for `isa`. */
static inline int w2s_cpu_has(w2s_isa isa) {
  switch (isa) {
    case W2S_ISA_SCALAR:
      return 1;
#if defined(__x86_64__) && defined(__GNUC__)
    /* libgcc's and compiler-rt's checks include the XGETBV test for OS support of the registers. */
    case W2S_ISA_AVX2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case W2S_ISA_AVX512:
      return __builtin_cpu_supports("avx512f");
#endif
#if defined(__aarch64__)
    /* Advanced SIMD is part of every AArch64 CPU. */
    case W2S_ISA_NEON:
      return 1;
#endif
    default:
      return 0;
  }
}

/* The widest instruction set this CPU supports. */
static inline w2s_isa w2s_best_isa(void) {
  for (int isa = W2S_ISA_COUNT - 1; isa > W2S_ISA_SCALAR; isa--) {
    if (w2s_cpu_has((w2s_isa)isa)) return (w2s_isa)isa;
  }
  return W2S_ISA_SCALAR;
}

/*
 * exp(x) in float32 for the softmax, SiLU and cross-entropy loops, branch-free so that loops over it vectorise:
 * x = n ln 2 + r with n = round(x / ln 2) and ln 2 split in two parts (Cody-Waite), so r carries no rounding error
 * of note; e^r by its degree-7 Taylor polynomial (truncation below 6e-9 relative on |r| <= ln(2) / 2); 2^n built in
 * the exponent bits. Results are 0 below about -87.7 (the float32 denormals above that are kept), infinity above 88.7.
 */
static inline float w2s_expf(float x) {
  const float log2e = 1.44269504088896341f;
  const float ln2_hi = 0.693359375f;
  const float ln2_lo = -2.12194440e-4f;
  /* Clamping keeps r finite for -Infinity and Infinity; NaN fails both tests and stays NaN. */
  x = x < -104.0f ? -104.0f : x;
  x = x > 89.0f ? 89.0f : x;
  /* Adding and subtracting 1.5 * 2^23 rounds a float of this size to the nearest integer. */
  float n = (x * log2e + 12582912.0f) - 12582912.0f;
  n = n < -127.0f ? -127.0f : n;
  float r = (x - n * ln2_hi) - n * ln2_lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  /* 2^n in the exponent bits: n = -127 gives the bit pattern of 0, n = 128 that of infinity. */
  int32_t bits = ((int32_t)n + 127) * (1 << 23);
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/*
 * Sums in LANES independent float accumulators, so the compiler can keep them in vector registers (it may not
 * reorder a single running float sum). The order is fixed, so results are reproducible for a given build.
 */
#define W2S_LANES 16

/* sum of a[i] * b[i] over n elements. */
static inline float w2s_dot(const float *a, const float *b, int n) {
  float acc[W2S_LANES] = {0};
  int i = 0;
  for (; i + W2S_LANES <= n; i += W2S_LANES) {
    for (int j = 0; j < W2S_LANES; j++) acc[j] += a[i + j] * b[i + j];
  }
  float s = 0.0f;
  for (int j = 0; j < W2S_LANES; j++) s += acc[j];
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

/* sum of a[i] * b[i] * c[i] over n elements. */
static inline float w2s_dot3(const float *a, const float *b, const float *c, int n) {
  float acc[W2S_LANES] = {0};
  int i = 0;
  for (; i + W2S_LANES <= n; i += W2S_LANES) {
    for (int j = 0; j < W2S_LANES; j++) acc[j] += a[i + j] * b[i + j] * c[i + j];
  }
  float s = 0.0f;
  for (int j = 0; j < W2S_LANES; j++) s += acc[j];
  for (; i < n; i++) s += a[i] * b[i] * c[i];
  return s;
}

/* The largest of n >= 1 elements (NaN elements are skipped, as `if (x > max)` does). */
static inline float w2s_max(const float *a, int n) {
  float acc[W2S_LANES];
  for (int j = 0; j < W2S_LANES; j++) acc[j] = -INFINITY;
  int i = 0;
  for (; i + W2S_LANES <= n; i += W2S_LANES) {
    for (int j = 0; j < W2S_LANES; j++) acc[j] = a[i + j] > acc[j] ? a[i + j] : acc[j];
  }
  float m = -INFINITY;
  for (int j = 0; j < W2S_LANES; j++) m = acc[j] > m ? acc[j] : m;
  for (; i < n; i++) m = a[i] > m ? a[i] : m;
  return m;
}

/* a[i] = exp(a[i] - shift) for n elements; returns their sum. */
static inline float w2s_exp_shifted(float *a, float shift, int n) {
  float acc[W2S_LANES] = {0};
  int i = 0;
  for (; i + W2S_LANES <= n; i += W2S_LANES) {
    for (int j = 0; j < W2S_LANES; j++) {
      float e = w2s_expf(a[i + j] - shift);
      a[i + j] = e;
      acc[j] += e;
    }
  }
  float s = 0.0f;
  for (int j = 0; j < W2S_LANES; j++) s += acc[j];
  for (; i < n; i++) {
    float e = w2s_expf(a[i] - shift);
    a[i] = e;
    s += e;
  }
  return s;
}

/* sum of exp(a[i] - shift) over n elements, a unchanged. */
static inline float w2s_sum_exp(const float *a, float shift, int n) {
  float acc[W2S_LANES] = {0};
  int i = 0;
  for (; i + W2S_LANES <= n; i += W2S_LANES) {
    for (int j = 0; j < W2S_LANES; j++) acc[j] += w2s_expf(a[i + j] - shift);
  }
  float s = 0.0f;
  for (int j = 0; j < W2S_LANES; j++) s += acc[j];
  for (; i < n; i++) s += w2s_expf(a[i] - shift);
  return s;
}

#endif
