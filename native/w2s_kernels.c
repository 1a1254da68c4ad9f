/*
 * w2s native kernels: a Node-API addon that hands sgemm to OpenBLAS and runs the engine's fused row-wise and
 * attention kernels and the AdamW update (ops.c) in C; for `w2s score` it also holds the answers-line scanner
 * (answer_scan.c) and the I/O thread (io_thread.c).
 *
 * Only the stable Node-API C interface is used, so one build runs on every Node release that has NAPI_VERSION 8.
 * Matrices are the caller's Float32Array backing stores, read and written in place (no copies). Every index a call
 * can touch is checked against the arrays' lengths first: a wrong shape must raise a RangeError in JavaScript, never
 * read or write outside an array.
 */
#include <cblas.h>
#include <stdio.h>

#include "answer_scan.h"
#include "gemm.h"
#include "napi_args.h"
#include "ops.h"
#include "io_thread.h"

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

/* A row-major matrix of `rows` x `cols` at `offset` with row stride `ld` must lie inside an array of `length`. */
static bool check_extent(w2s_args *a, const char *name, int rows, int cols, int offset, int ld, size_t length) {
  if (ld < cols) {
    char msg[128];
    snprintf(msg, sizeof msg, "leading dimension of %s (%d) is smaller than its row width (%d)", name, ld, cols);
    return w2s_require(a, false, msg);
  }
  if (rows == 0 || cols == 0) return true;
  return w2s_need(a, name, length, (int64_t)offset + (int64_t)(rows - 1) * ld + cols);
}

/* sgemm(transA, transB, M, N, K, alpha, A, aOffset, lda, B, bOffset, ldb, beta, C, cOffset, ldc) */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "sgemm", 16, &a)) return NULL;
  bool trans_a, trans_b;
  int m, n, k, a_off, lda, b_off, ldb, c_off, ldc;
  double alpha, beta;
  float *pa, *pb, *pc;
  size_t a_len, b_len, c_len;
  if (!w2s_arg_bool(&a, 0, "transA", &trans_a) || !w2s_arg_bool(&a, 1, "transB", &trans_b) ||
      !w2s_arg_index(&a, 2, "M", &m) || !w2s_arg_index(&a, 3, "N", &n) || !w2s_arg_index(&a, 4, "K", &k) ||
      !w2s_arg_number(&a, 5, "alpha", &alpha) || !w2s_arg_f32(&a, 6, "A", false, &pa, &a_len) ||
      !w2s_arg_index(&a, 7, "aOffset", &a_off) || !w2s_arg_index(&a, 8, "lda", &lda) ||
      !w2s_arg_f32(&a, 9, "B", false, &pb, &b_len) || !w2s_arg_index(&a, 10, "bOffset", &b_off) ||
      !w2s_arg_index(&a, 11, "ldb", &ldb) || !w2s_arg_number(&a, 12, "beta", &beta) ||
      !w2s_arg_f32(&a, 13, "C", false, &pc, &c_len) || !w2s_arg_index(&a, 14, "cOffset", &c_off) ||
      !w2s_arg_index(&a, 15, "ldc", &ldc)) {
    return NULL;
  }
  /* Stored shapes: A is M x K (K x M when transposed), B is K x N (N x K when transposed). */
  if (!check_extent(&a, "A", trans_a ? k : m, trans_a ? m : k, a_off, lda, a_len) ||
      !check_extent(&a, "B", trans_b ? n : k, trans_b ? k : n, b_off, ldb, b_len) ||
      !check_extent(&a, "C", m, n, c_off, ldc, c_len)) {
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;
  w2s_gemm(trans_a, trans_b, m, n, k, (float)alpha, pa + a_off, lda, pb + b_off, ldb, (float)beta, pc + c_off, ldc);
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
      {"rmsnormForward", NULL, w2s_op_rmsnorm_forward, NULL, NULL, NULL, napi_default, NULL},
      {"rmsnormBackward", NULL, w2s_op_rmsnorm_backward, NULL, NULL, NULL, napi_default, NULL},
      {"swigluForward", NULL, w2s_op_swiglu_forward, NULL, NULL, NULL, napi_default, NULL},
      {"swigluBackward", NULL, w2s_op_swiglu_backward, NULL, NULL, NULL, napi_default, NULL},
      {"rope", NULL, w2s_op_rope, NULL, NULL, NULL, napi_default, NULL},
      {"crossEntropy", NULL, w2s_op_cross_entropy, NULL, NULL, NULL, napi_default, NULL},
      {"attentionForward", NULL, w2s_op_attention_forward, NULL, NULL, NULL, napi_default, NULL},
      {"attentionBackward", NULL, w2s_op_attention_backward, NULL, NULL, NULL, napi_default, NULL},
      {"adamwUpdate", NULL, w2s_op_adamw_update, NULL, NULL, NULL, napi_default, NULL},
      {"scanAnswerLines", NULL, w2s_op_scan_answer_lines, NULL, NULL, NULL, napi_default, NULL},
      {"ioStart", NULL, w2s_op_io_start, NULL, NULL, NULL, napi_default, NULL},
      {"ioSubmit", NULL, w2s_op_io_submit, NULL, NULL, NULL, napi_default, NULL},
      {"ioWait", NULL, w2s_op_io_wait, NULL, NULL, NULL, napi_default, NULL},
      {"ioStop", NULL, w2s_op_io_stop, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK_NAPI(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(w2s_kernels, init)
