/*
 * Output rows assembled from byte ranges in C, many rows per call: `w2s score` writes each answer row into several SFT
 * files, a few short pieces each (a separator, the id, the prompt, the completion, the weight), and copying them from
 * TypeScript costs a call into the runtime or a byte loop per piece. src/score/sft-writer.ts decides what each row is
 * made of; this file only copies. The copies are exact (no byte before or after a piece is touched), so rows may be
 * written in any order.
 */
#include "byte_rows.h"

#include <string.h>

/* Copies n bytes exactly, with a few overlapping fixed-size moves for short pieces (most are under 32 bytes). */
static inline uint8_t *put(uint8_t *dst, const uint8_t *src, int64_t n) {
  if (n >= 16) {
    if (n > 32) {
      memcpy(dst, src, (size_t)n);
    } else {
      uint8_t head[16], tail[16];
      memcpy(head, src, 16);
      memcpy(tail, src + n - 16, 16);
      memcpy(dst, head, 16);
      memcpy(dst + n - 16, tail, 16);
    }
  } else if (n >= 8) {
    uint64_t head, tail;
    memcpy(&head, src, 8);
    memcpy(&tail, src + n - 8, 8);
    memcpy(dst, &head, 8);
    memcpy(dst + n - 8, &tail, 8);
  } else if (n >= 4) {
    uint32_t head, tail;
    memcpy(&head, src, 4);
    memcpy(&tail, src + n - 4, 4);
    memcpy(dst, &head, 4);
    memcpy(dst + n - 4, &tail, 4);
  } else {
    for (int64_t k = 0; k < n; k++) dst[k] = src[k];
  }
  return dst + n;
}

static inline bool in_arena(int64_t start, int64_t end, int64_t arena_len) {
  return start >= 0 && start <= end && end <= arena_len;
}

bool w2s_assemble_rows(uint8_t *arena, int64_t arena_len, const int32_t *separators, const int32_t *rows, int32_t count) {
  int64_t separator_bytes = 0;
  for (int s = 0; s < W2S_ROW_SEPARATORS; s++) {
    if (!in_arena(separators[2 * s], separators[2 * s + 1], arena_len)) return false;
    separator_bytes += separators[2 * s + 1] - separators[2 * s];
  }
  for (int32_t r = 0; r < count; r++) {
    const int32_t *row = rows + (int64_t)r * W2S_ROW_STRIDE;
    int64_t length = separator_bytes;
    for (int p = 0; p < 4; p++) {
      if (!in_arena(row[1 + 2 * p], row[2 + 2 * p], arena_len)) return false;
      length += row[2 + 2 * p] - row[1 + 2 * p];
    }
    if (!in_arena(row[0], row[0] + length, arena_len)) return false;
  }
  const uint8_t *sep0 = arena + separators[0], *sep1 = arena + separators[2], *sep2 = arena + separators[4];
  const int64_t len0 = separators[1] - separators[0], len1 = separators[3] - separators[2], len2 = separators[5] - separators[4];
  for (int32_t r = 0; r < count; r++) {
    const int32_t *row = rows + (int64_t)r * W2S_ROW_STRIDE;
    uint8_t *d = arena + row[0];
    d = put(d, sep0, len0);
    d = put(d, arena + row[1], row[2] - row[1]);
    d = put(d, sep1, len1);
    d = put(d, arena + row[3], row[4] - row[3]);
    d = put(d, sep2, len2);
    d = put(d, arena + row[5], row[6] - row[5]);
    put(d, arena + row[7], row[8] - row[7]);
  }
  return true;
}

napi_value w2s_op_assemble_rows(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "assembleRows", 4, &a)) return NULL;
  uint8_t *arena;
  int32_t *separators, *rows;
  size_t arena_len, separators_len, rows_len;
  int count;
  if (!w2s_arg_u8(&a, 0, "arena", &arena, &arena_len) || !w2s_arg_i32(&a, 1, "separators", false, &separators, &separators_len) ||
      !w2s_arg_i32(&a, 2, "rows", false, &rows, &rows_len) || !w2s_arg_index(&a, 3, "count", &count)) {
    return NULL;
  }
  if (!w2s_need(&a, "separators", separators_len, 2 * W2S_ROW_SEPARATORS) ||
      !w2s_need(&a, "rows", rows_len, (int64_t)count * W2S_ROW_STRIDE)) {
    return NULL;
  }
  if (!w2s_require(&a, w2s_assemble_rows(arena, (int64_t)arena_len, separators, rows, count), "a range lies outside the arena")) {
    return NULL;
  }
  return NULL;
}
