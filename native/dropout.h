/* LoRA's inverted dropout with its keep-mask in C, drawing the same random stream as src/engine/dropout.ts. */
#ifndef W2S_DROPOUT_H
#define W2S_DROPOUT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * For i in [0, n): k = (the i-th 32-bit draw of the stream seeded with `seed`) >= threshold; mask[i] = k;
 * xd[i] = k ? (float)(x[i] * keep) (in double) : 0. The stream is src/core/rng.ts's Rng: SplitMix32 expands the seed
 * into xoshiro128**'s four state words.
 */
void w2s_dropout_mask(const float *x, float *xd, uint8_t *mask, int64_t n, uint32_t seed, double threshold, double keep);

/*
 * w2s_dropout_mask for `count` sequences of n elements, sequence b at [b * n, (b + 1) * n) with its own seed seeds[b]:
 * the same masks and xd, drawn eight streams at a time.
 */
void w2s_dropout_masks(const float *x, float *xd, uint8_t *mask, int64_t n, const uint32_t *seeds, int count,
                       double threshold, double keep);

/*
 * A drawn keep-mask applied again, over [0, n): dst[i] = mask[i] ? (float)(src[i] * keep) : 0, or with `accumulate`
 * dst[i] = (float)(dst[i] + src[i] * keep) where mask[i] (others left as they are); in double, as
 * src/engine/dropout.ts's dropoutApply.
 */
void w2s_dropout_apply(float *dst, const float *src, const uint8_t *mask, int64_t n, double keep, bool accumulate);

#endif
