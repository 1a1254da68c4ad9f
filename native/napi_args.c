#include "napi_args.h"

#include <stdio.h>

/* BLAS integers here are 32-bit; every dimension, stride and offset must fit. */
#define MAX_INDEX 2147483647.0

static bool type_error(w2s_args *a, const char *name, const char *expected) {
  char msg[128];
  snprintf(msg, sizeof msg, "%s: %s must be %s", a->fn, name, expected);
  napi_throw_type_error(a->env, NULL, msg);
  return false;
}

bool w2s_args_get(napi_env env, napi_callback_info info, const char *fn, size_t count, w2s_args *a) {
  size_t argc = sizeof a->argv / sizeof a->argv[0];
  a->env = env;
  a->fn = fn;
  if (napi_get_cb_info(env, info, &argc, a->argv, NULL, NULL) != napi_ok || argc != count) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s: expected %zu arguments", fn, count);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

bool w2s_arg_bool(w2s_args *a, int i, const char *name, bool *out) {
  return napi_get_value_bool(a->env, a->argv[i], out) == napi_ok || type_error(a, name, "a boolean");
}

bool w2s_arg_number(w2s_args *a, int i, const char *name, double *out) {
  return napi_get_value_double(a->env, a->argv[i], out) == napi_ok || type_error(a, name, "a number");
}

bool w2s_arg_index(w2s_args *a, int i, const char *name, int *out) {
  double d;
  if (!w2s_arg_number(a, i, name, &d)) return false;
  if (!(d >= 0 && d <= MAX_INDEX && d == (double)(int64_t)d)) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: %s must be an integer >= 0, got %g", a->fn, name, d);
    napi_throw_range_error(a->env, NULL, msg);
    return false;
  }
  *out = (int)d;
  return true;
}

static bool is_null(w2s_args *a, int i) {
  napi_valuetype t;
  return napi_typeof(a->env, a->argv[i], &t) == napi_ok && t == napi_null;
}

static bool typed(w2s_args *a, int i, const char *name, bool nullable, napi_typedarray_type want, const char *expected,
                  void **data, size_t *length) {
  if (nullable && is_null(a, i)) {
    *data = NULL;
    *length = 0;
    return true;
  }
  bool is_typed = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(a->env, a->argv[i], &is_typed) == napi_ok && is_typed &&
      napi_get_typedarray_info(a->env, a->argv[i], &type, length, data, NULL, NULL) == napi_ok && type == want) {
    return true;
  }
  return type_error(a, name, expected);
}

bool w2s_arg_f32(w2s_args *a, int i, const char *name, bool nullable, float **data, size_t *length) {
  return typed(a, i, name, nullable, napi_float32_array, nullable ? "a Float32Array or null" : "a Float32Array",
               (void **)data, length);
}

bool w2s_arg_u8(w2s_args *a, int i, const char *name, uint8_t **data, size_t *length) {
  return typed(a, i, name, false, napi_uint8_array, "a Uint8Array", (void **)data, length);
}

bool w2s_arg_u32(w2s_args *a, int i, const char *name, uint32_t **data, size_t *length) {
  return typed(a, i, name, false, napi_uint32_array, "a Uint32Array", (void **)data, length);
}

bool w2s_arg_i32(w2s_args *a, int i, const char *name, bool nullable, int32_t **data, size_t *length) {
  return typed(a, i, name, nullable, napi_int32_array, nullable ? "an Int32Array or null" : "an Int32Array",
               (void **)data, length);
}

bool w2s_need(w2s_args *a, const char *name, size_t length, int64_t needed) {
  if (needed <= (int64_t)length) return true;
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s needs %lld elements, the array has %zu", a->fn, name, (long long)needed, length);
  napi_throw_range_error(a->env, NULL, msg);
  return false;
}

bool w2s_require(w2s_args *a, bool ok, const char *what) {
  if (ok) return true;
  char msg[192];
  snprintf(msg, sizeof msg, "%s: %s", a->fn, what);
  napi_throw_range_error(a->env, NULL, msg);
  return false;
}
