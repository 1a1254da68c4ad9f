/* The answers-file line scanner (answer_scan.c) and its Node-API entry point. */
#ifndef W2S_ANSWER_SCAN_H
#define W2S_ANSWER_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "napi_args.h"

/*
 * One scanned line in an Int32Array record of W2S_SCAN_STRIDE entries, for the 7 contract fields in the order of
 * src/io/answer-scanner.ts (id, variant, prompt, output, answer, gold, choices): each field's kind, the byte range of
 * its value (for strings: between the quotes) and its string flags; the variant; where the next line starts.
 * src/io/answer-scanner.ts (RECORD_KIND ...) repeats this layout.
 */
#define W2S_SCAN_KIND 0
#define W2S_SCAN_START 7
#define W2S_SCAN_END 14
#define W2S_SCAN_FLAGS 21
#define W2S_SCAN_VARIANT 28
#define W2S_SCAN_NEXT 29
#define W2S_SCAN_STRIDE 32

/*
 * Scans consecutive lines of buffer[start, end) into records (at most `capacity`), stopping at the first line it does
 * not accept or at `end`: the number of lines scanned. Positions are offsets into `buffer`.
 */
int32_t w2s_scan_answer_lines(const uint8_t *buffer, int64_t start, int64_t end, int32_t *records, int32_t capacity);

/* scanAnswerLines(buffer: Uint8Array, start, end, records: Int32Array): w2s_scan_answer_lines on the arrays. */
napi_value w2s_op_scan_answer_lines(napi_env env, napi_callback_info info);

#endif
