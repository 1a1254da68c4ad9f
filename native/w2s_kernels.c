/*
 * w2s native kernels: a Node-API addon with its own sgemm (gemm.c, OpenBLAS only when asked for at run time) and
 * the engine's fused row-wise and attention kernels and the AdamW update (ops.c) in C; for `w2s score` it also holds the answers-line scanner
 * (answer_scan.c) and the I/O thread (io_thread.c).
 *
 * Only the stable Node-API C interface is used, so one build runs on every Node release that has NAPI_VERSION 8.
 * Matrices are the caller's Float32Array backing stores, read and written in place (no copies). Every index a call
 * can touch is checked against the arrays' lengths first: a wrong shape must raise a RangeError in JavaScript, never
 * read or write outside an array.
 */
#include <stdio.h>
#include <string.h>

#include "answer_scan.h"
#include "byte_rows.h"
#include "gemm.h"
#include "gemm_kernels.h"
#include "napi_args.h"
#include "ops.h"
#include "io_thread.h"

/*
 * Threads: the product starts with W2S_NUM_THREADS (else OPENBLAS_NUM_THREADS, else one per core) and runs products
 * below about a million multiply-adds on one thread (native/gemm.c); bench/kernels.mjs measures both.
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

/* setThreads(n): how many threads one product may use from now on (OpenBLAS's too, when it is loaded). */
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
  w2s_gemm_set_threads((int)threads);
  return NULL;
}

/* Reads the one string argument of `fn` into buf; throws a TypeError and returns false otherwise. */
static bool string_arg(napi_env env, napi_callback_info info, const char *fn, char *buf, size_t size) {
  size_t argc = 1, length;
  napi_value argv[1];
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_typeof(env, argv[0], &type) != napi_ok || type != napi_string ||
      napi_get_value_string_utf8(env, argv[0], buf, size, &length) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s: expected one string", fn);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

/* setIsa(name): runs sgemm on the kernels for `name` from now on; false when this CPU or build lacks them. */
static napi_value set_isa(napi_env env, napi_callback_info info) {
  char name[32];
  if (!string_arg(env, info, "setIsa", name, sizeof name)) return NULL;
  for (int isa = 0; isa < W2S_ISA_COUNT; isa++) {
    if (strcmp(name, w2s_isa_name((w2s_isa)isa)) == 0) {
      napi_value out;
      CHECK_NAPI(env, napi_get_boolean(env, w2s_gemm_use_isa((w2s_isa)isa), &out));
      return out;
    }
  }
  napi_throw_range_error(env, NULL, "setIsa: expected \"scalar\", \"avx2\", \"avx512\" or \"neon\"");
  return NULL;
}

/* setSgemm(name): "w2s" or "openblas" (loaded now if it is not yet); returns null, or why OpenBLAS is unavailable. */
static napi_value set_sgemm(napi_env env, napi_callback_info info) {
  char name[32];
  if (!string_arg(env, info, "setSgemm", name, sizeof name)) return NULL;
  w2s_provider provider;
  if (strcmp(name, "w2s") == 0) {
    provider = W2S_PROVIDER_W2S;
  } else if (strcmp(name, "openblas") == 0) {
    provider = W2S_PROVIDER_OPENBLAS;
  } else {
    napi_throw_range_error(env, NULL, "setSgemm: expected \"w2s\" or \"openblas\"");
    return NULL;
  }
  const char *why = NULL;
  napi_value out;
  if (w2s_gemm_use_provider(provider, &why)) {
    CHECK_NAPI(env, napi_get_null(env, &out));
  } else {
    CHECK_NAPI(env, napi_create_string_utf8(env, why ? why : "unavailable", NAPI_AUTO_LENGTH, &out));
  }
  return out;
}

static napi_value string_value(napi_env env, const char *s) {
  napi_value v;
  if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) != napi_ok) return NULL;
  return v;
}

/*
 * info(): which sgemm runs ({ isa, sgemm: "w2s" | "openblas", threads, isas: the instruction sets this CPU can
 * run, openblas: { config, core } once OpenBLAS is loaded, else null }), for logs, manifests and benchmarks.
 */
static napi_value kernels_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, threads, isas, openblas;
  CHECK_NAPI(env, napi_create_object(env, &out));
  CHECK_NAPI(env, napi_set_named_property(env, out, "isa", string_value(env, w2s_isa_name(w2s_gemm_isa_active()))));
  bool blas = w2s_gemm_provider() == W2S_PROVIDER_OPENBLAS;
  CHECK_NAPI(env, napi_set_named_property(env, out, "sgemm", string_value(env, blas ? "openblas" : "w2s")));
  CHECK_NAPI(env, napi_create_int32(env, w2s_gemm_threads(), &threads));
  CHECK_NAPI(env, napi_set_named_property(env, out, "threads", threads));
  CHECK_NAPI(env, napi_create_array(env, &isas));
  uint32_t count = 0;
  for (int isa = 0; isa < W2S_ISA_COUNT; isa++) {
    if (w2s_cpu_has((w2s_isa)isa) && w2s_gemm_kernels((w2s_isa)isa)) {
      CHECK_NAPI(env, napi_set_element(env, isas, count++, string_value(env, w2s_isa_name((w2s_isa)isa))));
    }
  }
  CHECK_NAPI(env, napi_set_named_property(env, out, "isas", isas));
  const char *config = w2s_openblas_config();
  if (config) {
    CHECK_NAPI(env, napi_create_object(env, &openblas));
    CHECK_NAPI(env, napi_set_named_property(env, openblas, "config", string_value(env, config)));
    CHECK_NAPI(env, napi_set_named_property(env, openblas, "core", string_value(env, w2s_openblas_core())));
  } else {
    CHECK_NAPI(env, napi_get_null(env, &openblas));
  }
  CHECK_NAPI(env, napi_set_named_property(env, out, "openblas", openblas));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, kernels_info, NULL, NULL, NULL, napi_default, NULL},
      {"setIsa", NULL, set_isa, NULL, NULL, NULL, napi_default, NULL},
      {"setSgemm", NULL, set_sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"rmsnormForward", NULL, w2s_op_rmsnorm_forward, NULL, NULL, NULL, napi_default, NULL},
      {"rmsnormBackward", NULL, w2s_op_rmsnorm_backward, NULL, NULL, NULL, napi_default, NULL},
      {"swigluForward", NULL, w2s_op_swiglu_forward, NULL, NULL, NULL, napi_default, NULL},
      {"swigluBackward", NULL, w2s_op_swiglu_backward, NULL, NULL, NULL, napi_default, NULL},
      {"rope", NULL, w2s_op_rope, NULL, NULL, NULL, napi_default, NULL},
      {"crossEntropy", NULL, w2s_op_cross_entropy, NULL, NULL, NULL, napi_default, NULL},
      {"attentionForward", NULL, w2s_op_attention_forward, NULL, NULL, NULL, napi_default, NULL},
      {"attentionBackward", NULL, w2s_op_attention_backward, NULL, NULL, NULL, napi_default, NULL},
      {"adamwUpdate", NULL, w2s_op_adamw_update, NULL, NULL, NULL, napi_default, NULL},
      {"addSumSquares", NULL, w2s_op_add_sum_squares, NULL, NULL, NULL, napi_default, NULL},
      {"dropoutMask", NULL, w2s_op_dropout_mask, NULL, NULL, NULL, napi_default, NULL},
      {"dropoutMasks", NULL, w2s_op_dropout_masks, NULL, NULL, NULL, napi_default, NULL},
      {"dropoutApply", NULL, w2s_op_dropout_apply, NULL, NULL, NULL, napi_default, NULL},
      {"scanAnswerLines", NULL, w2s_op_scan_answer_lines, NULL, NULL, NULL, napi_default, NULL},
      {"assembleRows", NULL, w2s_op_assemble_rows, NULL, NULL, NULL, napi_default, NULL},
      {"ioStart", NULL, w2s_op_io_start, NULL, NULL, NULL, napi_default, NULL},
      {"ioSubmit", NULL, w2s_op_io_submit, NULL, NULL, NULL, napi_default, NULL},
      {"ioWait", NULL, w2s_op_io_wait, NULL, NULL, NULL, napi_default, NULL},
      {"ioStop", NULL, w2s_op_io_stop, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK_NAPI(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(w2s_kernels, init)
