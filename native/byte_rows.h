/* Assembling output rows from byte ranges of one arena (byte_rows.c) and its Node-API entry point. */
#ifndef W2S_BYTE_ROWS_H
#define W2S_BYTE_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "napi_args.h"

/*
 * A row is seven pieces laid end to end: three constant separators given once (`separators`, start/end pairs) and four
 * per-row ranges, in the order sep0 p0 sep1 p1 sep2 p2 p3. Each row is W2S_ROW_STRIDE entries of `rows`: where it goes,
 * then the start and end of p0..p3. src/io/row-assembler.ts repeats this layout.
 */
#define W2S_ROW_STRIDE 9
#define W2S_ROW_SEPARATORS 3

/*
 * Writes `count` rows into `arena`. Every range must lie inside the arena (checked before anything is written): false
 * when one does not, and then nothing is written.
 */
bool w2s_assemble_rows(uint8_t *arena, int64_t arena_len, const int32_t *separators, const int32_t *rows, int32_t count);

/* assembleRows(arena: Uint8Array, separators: Int32Array, rows: Int32Array, count): w2s_assemble_rows on the arrays. */
napi_value w2s_op_assemble_rows(napi_env env, napi_callback_info info);

#endif
