/*
 * w2s native kernels: a Node-API addon that hands sgemm to OpenBLAS.
 *
 * Only the stable Node-API C interface is used, so one build runs on every Node release that has NAPI_VERSION 8.
 * Matrices are the caller's Float32Array backing stores, read and written in place (no copies). Every index the
 * BLAS call can touch is checked against the arrays' lengths first: a wrong shape must raise a RangeError in
 * JavaScript, never read or write outside an array.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <cblas.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* BLAS integers here are 32-bit; every dimension, stride and offset must fit. */
#define MAX_BLAS_INT 2147483647.0

/*
 * Threads: OpenBLAS starts with OPENBLAS_NUM_THREADS, else one per core. Measured on 2 cores, 2 threads are faster
 * than 1 for every engine shape above 64 x 64 x 64, and OpenBLAS already runs smaller products on one thread, so no
 * per-size policy is kept here (bench/kernels.mjs repeats the measurement).
 */

#define CHECK_NAPI(env, call)                                                     \
  do {                                                                            \
    if ((call) != napi_ok) {                                                      \
      napi_throw_error((env), NULL, "w2s_kernels: Node-API call failed: " #call); \
      return NULL;                                                                \
    }                                                                             \
  } while (0)

static bool get_bool(napi_env env, napi_value v, const char *name, bool *out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "sgemm: %s must be a boolean", name);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

static bool get_number(napi_env env, napi_value v, const char *name, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "sgemm: %s must be a number", name);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

/* A dimension, stride or offset: an integer in [0, 2^31). */
static bool get_index(napi_env env, napi_value v, const char *name, int *out) {
  double d;
  if (!get_number(env, v, name, &d)) return false;
  if (!(d >= 0 && d <= MAX_BLAS_INT && d == (double)(int64_t)d)) {
    char msg[128];
    snprintf(msg, sizeof msg, "sgemm: %s must be an integer >= 0, got %g", name, d);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  *out = (int)d;
  return true;
}

static bool get_f32(napi_env env, napi_value v, const char *name, float **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_is_typedarray(env, v, &is_typed) == napi_ok && is_typed &&
      napi_get_typedarray_info(env, v, &type, length, &ptr, NULL, NULL) == napi_ok && type == napi_float32_array) {
    *data = (float *)ptr;
    return true;
  }
  char msg[96];
  snprintf(msg, sizeof msg, "sgemm: %s must be a Float32Array", name);
  napi_throw_type_error(env, NULL, msg);
  return false;
}

/* A row-major matrix of `rows` x `cols` at `offset` with row stride `ld` must lie inside an array of `length`. */
static bool check_extent(napi_env env, const char *name, int rows, int cols, int offset, int ld, size_t length) {
  if (ld < cols) {
    char msg[128];
    snprintf(msg, sizeof msg, "sgemm: leading dimension of %s (%d) is smaller than its row width (%d)", name, ld, cols);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  if (rows == 0 || cols == 0) return true;
  int64_t end = (int64_t)offset + (int64_t)(rows - 1) * ld + cols;
  if (end > (int64_t)length) {
    char msg[160];
    snprintf(msg, sizeof msg, "sgemm: %s (%d x %d, offset %d, stride %d) needs %lld elements, array has %zu", name,
             rows, cols, offset, ld, (long long)end, length);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  return true;
}

/* sgemm(transA, transB, M, N, K, alpha, A, aOffset, lda, B, bOffset, ldb, beta, C, cOffset, ldc) */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 16) {
    napi_throw_type_error(env, NULL, "sgemm: expected 16 arguments");
    return NULL;
  }
  bool trans_a, trans_b;
  int m, n, k, a_off, lda, b_off, ldb, c_off, ldc;
  double alpha, beta;
  float *a, *b, *c;
  size_t a_len, b_len, c_len;
  if (!get_bool(env, argv[0], "transA", &trans_a) || !get_bool(env, argv[1], "transB", &trans_b) ||
      !get_index(env, argv[2], "M", &m) || !get_index(env, argv[3], "N", &n) ||
      !get_index(env, argv[4], "K", &k) || !get_number(env, argv[5], "alpha", &alpha) ||
      !get_f32(env, argv[6], "A", &a, &a_len) || !get_index(env, argv[7], "aOffset", &a_off) ||
      !get_index(env, argv[8], "lda", &lda) || !get_f32(env, argv[9], "B", &b, &b_len) ||
      !get_index(env, argv[10], "bOffset", &b_off) || !get_index(env, argv[11], "ldb", &ldb) ||
      !get_number(env, argv[12], "beta", &beta) || !get_f32(env, argv[13], "C", &c, &c_len) ||
      !get_index(env, argv[14], "cOffset", &c_off) || !get_index(env, argv[15], "ldc", &ldc)) {
    return NULL;
  }
  /* Stored shapes: A is M x K (K x M when transposed), B is K x N (N x K when transposed). */
  if (!check_extent(env, "A", trans_a ? k : m, trans_a ? m : k, a_off, lda, a_len) ||
      !check_extent(env, "B", trans_b ? n : k, trans_b ? k : n, b_off, ldb, b_len) ||
      !check_extent(env, "C", m, n, c_off, ldc, c_len)) {
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;

  /*
   * A single row or column of C is a matrix-vector product; OpenBLAS's sgemv runs it 2-3x faster than sgemm does
   * (one generated token per sequence). y is cleared first for beta = 0 because not every OpenBLAS release makes
   * gemv's beta = 0 overwrite NaN in y.
   */
  if ((m == 1 || n == 1) && k > 0) {
    float *y = c + c_off;
    int inc_y = m == 1 ? 1 : ldc;
    int len_y = m == 1 ? n : m;
    if (beta == 0) {
      for (int i = 0; i < len_y; i++) y[(int64_t)i * inc_y] = 0.0f;
    }
    if (m == 1) {
      /* y = op(B)^T x, x = the row of op(A) (a column of A when transposed). */
      const float *x = a + a_off;
      int inc_x = trans_a ? lda : 1;
      if (trans_b) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, (float)alpha, b + b_off, ldb, x, inc_x, (float)beta, y, inc_y);
      } else {
        cblas_sgemv(CblasRowMajor, CblasTrans, k, n, (float)alpha, b + b_off, ldb, x, inc_x, (float)beta, y, inc_y);
      }
    } else {
      /* y = op(A) x, x = the column of op(B) (a row of B when transposed). */
      const float *x = b + b_off;
      int inc_x = trans_b ? 1 : ldb;
      if (trans_a) {
        cblas_sgemv(CblasRowMajor, CblasTrans, k, m, (float)alpha, a + a_off, lda, x, inc_x, (float)beta, y, inc_y);
      } else {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, m, k, (float)alpha, a + a_off, lda, x, inc_x, (float)beta, y, inc_y);
      }
    }
    return NULL;
  }

  /* BLAS rejects a leading dimension of 0 even when the matrix is empty (K = 0); 1 is equivalent there. */
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
              (float)alpha, a + a_off, lda > 0 ? lda : 1, b + b_off, ldb > 0 ? ldb : 1, (float)beta, c + c_off, ldc);
  return NULL;
}

/* setThreads(n): how many threads OpenBLAS may use from now on. */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  double threads;
  if (argc != 1 || napi_get_value_double(env, argv[0], &threads) != napi_ok) {
    napi_throw_type_error(env, NULL, "setThreads: expected one number");
    return NULL;
  }
  if (!(threads >= 1 && threads <= 256 && threads == (double)(int)threads)) {
    napi_throw_range_error(env, NULL, "setThreads: the thread count must be an integer in [1, 256]");
    return NULL;
  }
  openblas_set_num_threads((int)threads);
  return NULL;
}

/* info(): the BLAS build and the threads it can use, for logs and benchmarks. */
static napi_value blas_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, config, corename, threads;
  CHECK_NAPI(env, napi_create_object(env, &out));
  CHECK_NAPI(env, napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config));
  CHECK_NAPI(env, napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &corename));
  CHECK_NAPI(env, napi_create_int32(env, openblas_get_num_threads(), &threads));
  CHECK_NAPI(env, napi_set_named_property(env, out, "config", config));
  CHECK_NAPI(env, napi_set_named_property(env, out, "core", corename));
  CHECK_NAPI(env, napi_set_named_property(env, out, "threads", threads));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, blas_info, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK_NAPI(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(w2s_kernels, init)
