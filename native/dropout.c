#include "dropout.h"

#include "simd.h"

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
