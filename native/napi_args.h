/*
 * Reading JavaScript arguments in the addon. Every reader throws a TypeError or RangeError naming the function and
 * the argument and returns false, so a wrong call fails in JavaScript and never reads or writes outside an array.
 */
#ifndef W2S_NAPI_ARGS_H
#define W2S_NAPI_ARGS_H

#define NAPI_VERSION 8
#include <node_api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The arguments of one call: the function's name (for messages) and the values. */
typedef struct {
  napi_env env;
  const char *fn;
  napi_value argv[20];
} w2s_args;

/* Reads exactly `count` (at most 20) arguments into `a`. */
bool w2s_args_get(napi_env env, napi_callback_info info, const char *fn, size_t count, w2s_args *a);

bool w2s_arg_bool(w2s_args *a, int i, const char *name, bool *out);
bool w2s_arg_number(w2s_args *a, int i, const char *name, double *out);
/* An integer in [0, 2^31): a dimension, stride or offset. */
bool w2s_arg_index(w2s_args *a, int i, const char *name, int *out);
/* A Float32Array (or, with `nullable`, null: *data = NULL, *length = 0). */
bool w2s_arg_f32(w2s_args *a, int i, const char *name, bool nullable, float **data, size_t *length);
/* A Uint8Array (a Buffer is one). */
bool w2s_arg_u8(w2s_args *a, int i, const char *name, uint8_t **data, size_t *length);
/* A Uint32Array. */
bool w2s_arg_u32(w2s_args *a, int i, const char *name, uint32_t **data, size_t *length);
/* An Int32Array (or, with `nullable`, null). */
bool w2s_arg_i32(w2s_args *a, int i, const char *name, bool nullable, int32_t **data, size_t *length);
/* Throws a RangeError unless an array of `length` elements holds `needed`. */
bool w2s_need(w2s_args *a, const char *name, size_t length, int64_t needed);
/* Throws a RangeError with the message `what` unless `ok`. */
bool w2s_require(w2s_args *a, bool ok, const char *what);

#endif
