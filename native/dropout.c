#include "dropout.h"

#include "simd.h"

#include <math.h>
#include <string.h>

static uint32_t splitmix32(uint32_t *x) {
  *x += 0x9e3779b9u;
  uint32_t z = *x;
  z = (z ^ (z >> 16)) * 0x85ebca6bu;
  z = (z ^ (z >> 13)) * 0xc2b2ae35u;
  return z ^ (z >> 16);
}

static inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

W2S_HOT void w2s_dropout_mask(const float *x, float *xd, uint8_t *mask, int64_t n, uint32_t seed, double threshold,
                              double keep) {
  uint32_t s0 = splitmix32(&seed), s1 = splitmix32(&seed), s2 = splitmix32(&seed), s3 = splitmix32(&seed);
  for (int64_t i = 0; i < n; i++) {
    uint32_t draw = rotl32(s1 * 5u, 7) * 9u;
    uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl32(s3, 11);
    uint8_t k = (double)draw >= threshold;
    mask[i] = k;
    xd[i] = k ? (float)((double)x[i] * keep) : 0.0f;
  }
}

/* Steps drawn for every lane before their masks are written out, sequence by sequence. */
#define W2S_DROPOUT_CHUNK 256
#define W2S_DROPOUT_LANES 8

/*
 * Eight sequences' streams at once, one per vector lane: a single xoshiro128** stream is a chain of dependent steps,
 * eight independent ones fill the vector units. Each lane draws exactly its sequence's stream, so the masks and xd are
 * those of w2s_dropout_mask, sequence by sequence. `draw >= threshold` is `draw >= ceil(threshold)` in integers.
 */
typedef uint32_t lanes_u32 __attribute__((vector_size(4 * W2S_DROPOUT_LANES)));

#define ROTL_LANES(x, k) (((x) << (k)) | ((x) >> (32 - (k))))

W2S_HOT static void masks8(const float *x, float *xd, uint8_t *mask, int64_t n, const uint32_t *seeds, uint64_t least,
                           double keep) {
  lanes_u32 s0, s1, s2, s3;
  for (int j = 0; j < W2S_DROPOUT_LANES; j++) {
    uint32_t seed = seeds[j];
    s0[j] = splitmix32(&seed), s1[j] = splitmix32(&seed), s2[j] = splitmix32(&seed), s3[j] = splitmix32(&seed);
  }
  /* Unsigned draw >= least as a signed comparison with the sign bits flipped; least > 2^32 - 1 keeps nothing. */
  const bool none = least > 0xffffffffu;
  const lanes_u32 flip = {0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u};
  const lanes_u32 bound = (lanes_u32){0, 0, 0, 0, 0, 0, 0, 0} + ((none ? 0u : (uint32_t)least) ^ 0x80000000u);
  uint32_t kept[W2S_DROPOUT_CHUNK][W2S_DROPOUT_LANES];
  for (int64_t i0 = 0; i0 < n; i0 += W2S_DROPOUT_CHUNK) {
    int steps = n - i0 < W2S_DROPOUT_CHUNK ? (int)(n - i0) : W2S_DROPOUT_CHUNK;
    for (int t = 0; t < steps; t++) {
      lanes_u32 draw = ROTL_LANES((s1 << 2) + s1, 7);
      draw = (draw << 3) + draw;
      lanes_u32 u = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= u;
      s3 = ROTL_LANES(s3, 11);
      typedef int32_t lanes_i32 __attribute__((vector_size(4 * W2S_DROPOUT_LANES)));
      lanes_u32 k = (lanes_u32)((lanes_i32)(draw ^ flip) >= (lanes_i32)bound);
      memcpy(kept[t], &k, sizeof k);
    }
    for (int j = 0; j < W2S_DROPOUT_LANES; j++) {
      const float *xs = x + j * n + i0;
      float *out = xd + j * n + i0;
      uint8_t *m = mask + j * n + i0;
      for (int t = 0; t < steps; t++) m[t] = !none && kept[t][j] != 0;
      for (int t = 0; t < steps; t++) out[t] = m[t] ? (float)((double)xs[t] * keep) : 0.0f;
    }
  }
}

void w2s_dropout_masks(const float *x, float *xd, uint8_t *mask, int64_t n, const uint32_t *seeds, int count,
                       double threshold, double keep) {
  double least = ceil(threshold);
  uint64_t least_int = least <= 0 ? 0 : least >= 4294967296.0 ? 4294967296ull : (uint64_t)least;
  int b = 0;
  for (; b + W2S_DROPOUT_LANES <= count; b += W2S_DROPOUT_LANES) {
    masks8(x + b * n, xd + b * n, mask + b * n, n, seeds + b, least_int, keep);
  }
  for (; b < count; b++) w2s_dropout_mask(x + b * n, xd + b * n, mask + b * n, n, seeds[b], threshold, keep);
}

/*
 * Written as selects rather than branches so the loops vectorize: the mask is random, branches would mispredict. The
 * sum dst + src * keep must round the product before adding, as TypeScript does: no fused multiply-add here (the build
 * allows contraction elsewhere, and FMA is baseline on arm64), so no x86-64-v3 clone either.
 */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
void w2s_dropout_apply(float *dst, const float *src, const uint8_t *mask, int64_t n, double keep, bool accumulate) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  if (accumulate) {
    for (int64_t i = 0; i < n; i++) {
      float sum = (float)((double)dst[i] + (double)src[i] * keep);
      dst[i] = mask[i] ? sum : dst[i];
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      float scaled = (float)((double)src[i] * keep);
      dst[i] = mask[i] ? scaled : 0.0f;
    }
  }
}
