/*
 * sgemm without a BLAS: the blocked algorithm of GotoBLAS (K. Goto and R. van de Geijn, "Anatomy of high-performance
 * matrix multiplication", 2008). op(B) is packed in kc x nc blocks of nr-wide panels, zero-padded at the edge, so
 * the micro-kernel (gemm_kernels.c) reads its rows contiguously whatever the transpose and stride; op(A) is read in
 * place through its strides (only mr values per step of k, broadcast one at a time), which measured faster than
 * packing it on the engine's shapes, except for an edge panel of fewer than mr rows, which is packed and padded, and a
 * transposed A with long rows, packed whole (its steps of k are pages apart).
 * The blocks are sized for the caches. Single rows or columns (one generated token)
 * are matrix-vector products, run as vector dot products or axpys instead; small products (attention's per-head ones)
 * skip the packing, their kernels reading B's rows in place. Large products are split over the pool's
 * threads by columns (or rows) of C; each element's sum runs in the same order whatever the split, so results do
 * not depend on the thread count.
 */
#define _GNU_SOURCE
#include "gemm.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_kernels.h"
#include "pool.h"

#if defined(__SSE2__)
#include <xmmintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

/* Products with fewer multiply-adds than this run on one thread (splitting costs more than it saves). */
#define W2S_PARALLEL_MIN_FMAS (1 << 20)
/* A transposed A is packed whole when its rows are at least this long (floats; see w2s_gemm). */
#define W2S_PACK_A_MIN_LD 512
/*
 * Products of fewer multiply-adds than this, with k within one cache block, run without packing where the instruction
 * set has a small-product kernel: packing, edge tiles and blocking cost more than they save on them (attention's
 * per-head products, e.g. 25 x 25 x 32). An op(B) stored transposed is turned round into a buffer of at most
 * W2S_SMALL_B_FLOATS first.
 */
#define W2S_SMALL_MAX_FMAS (1 << 18)
#define W2S_SMALL_B_FLOATS (1 << 13)
/* Matrix-vector products read each matrix element once; below this many elements one thread keeps up. */
#define W2S_PARALLEL_MIN_GEMV (1 << 16)

/* ---- per-thread scratch: packed panels and the vectors of matrix-vector products ---- */

typedef struct {
  float *pack_a, *pack_b, *vec;
  size_t cap_a, cap_b, cap_vec;
} scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void free_scratch(void *p) {
  scratch *s = p;
  free(s->pack_a);
  free(s->pack_b);
  free(s->vec);
  free(s);
}

static void make_scratch_key(void) {
  /* free_scratch runs when a thread ends, perhaps after Node unloaded the addon with a JavaScript worker thread. */
  w2s_keep_loaded();
  pthread_key_create(&scratch_key, free_scratch);
}

/* Ensures *buf holds `count` floats, 64-byte aligned; false when memory is exhausted. */
static bool reserve(float **buf, size_t *cap, size_t count) {
  if (*cap >= count) return true;
  free(*buf);
  size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
  *buf = aligned_alloc(64, bytes);
  *cap = *buf ? count : 0;
  return *buf != NULL;
}

/* This thread's scratch (freed when the thread ends). */
static scratch *thread_scratch(void) {
  pthread_once(&scratch_once, make_scratch_key);
  scratch *s = pthread_getspecific(scratch_key);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (s && pthread_setspecific(scratch_key, s) != 0) {
      free(s);
      s = NULL;
    }
  }
  return s;
}

/* ---- the active kernels ---- */

static atomic_int active_isa = -1;

w2s_isa w2s_gemm_isa_active(void) {
  int isa = atomic_load(&active_isa);
  if (isa < 0) {
    int expected = -1;
    atomic_compare_exchange_strong(&active_isa, &expected, (int)w2s_best_isa());
    isa = atomic_load(&active_isa);
  }
  return (w2s_isa)isa;
}

bool w2s_gemm_use_isa(w2s_isa isa) {
  if ((unsigned)isa >= W2S_ISA_COUNT || !w2s_cpu_has(isa) || !w2s_gemm_kernels(isa)) return false;
  atomic_store(&active_isa, (int)isa);
  return true;
}

/* ---- packing ---- */

/* mc x kc of op(A) from (i0, p0) into mr-tall panels: panel r holds dst[r * mr * kc + p * mr + i]. */
static void pack_a(int mr, bool ta, const float *a, int64_t lda, int i0, int mc, int p0, int kc, float *dst) {
  if (ta) {
    /*
     * A stored k x m: the mr values of one step of k are contiguous. Step by step of k, so that each of A's rows (pages
     * apart) is read once, front to back, for every panel; whole panels of 8 or 6 values are copied as one block.
     */
    int full = mc / mr * mr;
    for (int p = 0; p < kc; p++) {
      const float *src = a + (int64_t)(p0 + p) * lda + i0;
      float *out = dst + (int64_t)p * mr;
      int ir = 0;
      if (mr == 8) {
        for (; ir < full; ir += 8) memcpy(out + (int64_t)ir * kc, src + ir, 8 * sizeof(float));
      } else if (mr == 6) {
        for (; ir < full; ir += 6) memcpy(out + (int64_t)ir * kc, src + ir, 6 * sizeof(float));
      }
      for (; ir < mc; ir += mr) {
        int rows = mc - ir < mr ? mc - ir : mr;
        float *panel = out + (int64_t)ir * kc;
        for (int i = 0; i < rows; i++) panel[i] = src[ir + i];
        for (int i = rows; i < mr; i++) panel[i] = 0.0f;
      }
    }
    return;
  }
  for (int ir = 0; ir < mc; ir += mr) {
    int rows = mc - ir < mr ? mc - ir : mr;
    float *panel = dst + (int64_t)ir * kc;
    for (int i = 0; i < rows; i++) {
      const float *src = a + (int64_t)(i0 + ir + i) * lda + p0;
      for (int p = 0; p < kc; p++) panel[(int64_t)p * mr + i] = src[p];
    }
    for (int i = rows; i < mr; i++) {
      for (int p = 0; p < kc; p++) panel[(int64_t)p * mr + i] = 0.0f;
    }
  }
}

/* Rows r0..r3 (4 floats each) written as columns: out[q * ld + i] = ri[q]. */
static inline void transpose4(const float *r0, const float *r1, const float *r2, const float *r3, float *out, int64_t ld) {
#if defined(__SSE2__)
  __m128 a = _mm_loadu_ps(r0), b = _mm_loadu_ps(r1), c = _mm_loadu_ps(r2), d = _mm_loadu_ps(r3);
  _MM_TRANSPOSE4_PS(a, b, c, d);
  _mm_storeu_ps(out, a);
  _mm_storeu_ps(out + ld, b);
  _mm_storeu_ps(out + 2 * ld, c);
  _mm_storeu_ps(out + 3 * ld, d);
#elif defined(__aarch64__)
  float32x4_t a = vld1q_f32(r0), b = vld1q_f32(r1), c = vld1q_f32(r2), d = vld1q_f32(r3);
  float32x4_t ab_lo = vtrn1q_f32(a, b), ab_hi = vtrn2q_f32(a, b), cd_lo = vtrn1q_f32(c, d), cd_hi = vtrn2q_f32(c, d);
  vst1q_f32(out, vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(ab_lo), vreinterpretq_f64_f32(cd_lo))));
  vst1q_f32(out + ld, vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(ab_hi), vreinterpretq_f64_f32(cd_hi))));
  vst1q_f32(out + 2 * ld, vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(ab_lo), vreinterpretq_f64_f32(cd_lo))));
  vst1q_f32(out + 3 * ld, vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(ab_hi), vreinterpretq_f64_f32(cd_hi))));
#else
  for (int q = 0; q < 4; q++) {
    out[q * ld] = r0[q], out[q * ld + 1] = r1[q], out[q * ld + 2] = r2[q], out[q * ld + 3] = r3[q];
  }
#endif
}

/* kc x nc of op(B) from (p0, j0) into nr-wide panels: panel r holds dst[r * nr * kc + p * nr + j]. */
static void pack_b(int nr, bool tb, const float *b, int64_t ldb, int p0, int kc, int j0, int nc, float *dst) {
  for (int jr = 0; jr < nc; jr += nr) {
    int cols = nc - jr < nr ? nc - jr : nr;
    float *panel = dst + (int64_t)jr * kc;
    if (tb) {
      /* B stored n x k: each column of op(B) is a contiguous row of B, so packing transposes, 4 x 4 at a time. */
      int j = 0;
      for (; j + 4 <= cols; j += 4) {
        const float *s0 = b + (int64_t)(j0 + jr + j) * ldb + p0, *s1 = s0 + ldb, *s2 = s1 + ldb, *s3 = s2 + ldb;
        int p = 0;
        for (; p + 4 <= kc; p += 4) transpose4(s0 + p, s1 + p, s2 + p, s3 + p, panel + (int64_t)p * nr + j, nr);
        for (; p < kc; p++) {
          float *out = panel + (int64_t)p * nr + j;
          out[0] = s0[p], out[1] = s1[p], out[2] = s2[p], out[3] = s3[p];
        }
      }
      for (; j < cols; j++) {
        const float *src = b + (int64_t)(j0 + jr + j) * ldb + p0;
        for (int p = 0; p < kc; p++) panel[(int64_t)p * nr + j] = src[p];
      }
      for (int j = cols; j < nr; j++) {
        for (int p = 0; p < kc; p++) panel[(int64_t)p * nr + j] = 0.0f;
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const float *src = b + (int64_t)(p0 + p) * ldb + j0 + jr;
        float *out = panel + (int64_t)p * nr;
        memcpy(out, src, (size_t)cols * sizeof(float));
        for (int j = cols; j < nr; j++) out[j] = 0.0f;
      }
    }
  }
}

/* ---- the blocked product on one thread ---- */

typedef struct {
  const w2s_gemm_isa *kern;
  bool ta, tb;
  int m, n, k;
  float alpha, beta;
  const float *a, *b;
  float *c;
  int64_t lda, ldb, ldc;
  bool split_n;
  bool pack_a; /* every panel of op(A) is packed, not only the edge one */
} gemm_job;

/* The plain triple loop over an m x n block of C, for when no memory for packed panels can be had. */
static void gemm_naive(const gemm_job *g, int m, int n, const float *a, const float *b, float *c) {
  for (int i = 0; i < m; i++) {
    for (int j = 0; j < n; j++) {
      float sum = 0.0f;
      for (int p = 0; p < g->k; p++) {
        sum += (g->ta ? a[p * g->lda + i] : a[i * g->lda + p]) * (g->tb ? b[j * g->ldb + p] : b[p * g->ldb + j]);
      }
      float *cij = c + i * g->ldc + j;
      *cij = g->beta == 0.0f ? g->alpha * sum : g->alpha * sum + g->beta * *cij;
    }
  }
}

/* Splits `extent` into equal blocks of at most `max` (a multiple of `unit` where it can be), so none is a sliver. */
static int balanced_block(int extent, int max, int unit) {
  int blocks = (extent + max - 1) / max;
  int size = (extent + blocks - 1) / blocks;
  size = (size + unit - 1) / unit * unit;
  return size < max ? size : max;
}

/* One mc x kc block of op(A) (rows ic.., steps pc..) times the packed kc x nc block of op(B) at bp, into C. */
static void block_product(const gemm_job *g, scratch *s, const float *a, const float *bp, float *c, int ic, int mc,
                          int pc, int kc, int jc, int nc, float beta) {
  const w2s_gemm_isa *K = g->kern;
  const int MR = K->mr, NR = K->nr;
  int full = g->pack_a ? 0 : mc / MR * MR;
  if (full < mc) pack_a(MR, g->ta, a, g->lda, ic + full, mc - full, pc, kc, s->pack_a);
  _Alignas(64) float tile[8 * 32];
  for (int jr = 0; jr < nc; jr += NR) {
    int nr = nc - jr < NR ? nc - jr : NR;
    const float *bpanel = bp + (int64_t)jr * kc;
    for (int ir = 0; ir < mc; ir += MR) {
      int mr = mc - ir < MR ? mc - ir : MR;
      const float *ap;
      int64_t rs = 1, cs = MR;
      if (ir < full && g->ta) {
        ap = a + (int64_t)pc * g->lda + ic + ir, rs = 1, cs = g->lda;
      } else if (ir < full) {
        ap = a + (int64_t)(ic + ir) * g->lda + pc, rs = g->lda, cs = 1;
      } else {
        ap = s->pack_a + (int64_t)(ir - full) * kc;
      }
      float *cp = c + (int64_t)(ic + ir) * g->ldc + jc + jr;
      if (mr == MR && nr == NR) {
        K->kernel(kc, ap, rs, cs, bpanel, cp, g->ldc, g->alpha, beta);
        continue;
      }
      /* An edge tile: computed whole into the buffer, then only its part inside C is written. */
      K->kernel(kc, ap, rs, cs, bpanel, tile, NR, 1.0f, 0.0f);
      for (int i = 0; i < mr; i++) {
        float *row = cp + (int64_t)i * g->ldc;
        const float *t = tile + i * NR;
        if (beta == 0.0f) {
          for (int j = 0; j < nr; j++) row[j] = g->alpha * t[j];
        } else {
          for (int j = 0; j < nr; j++) row[j] = g->alpha * t[j] + beta * row[j];
        }
      }
    }
  }
}

/* Packed op(B) up to this many floats is packed whole, for every block of k at once (see gemm_block). */
#define W2S_WHOLE_B_FLOATS (1 << 17)

static void gemm_block(const gemm_job *g, int m, int n, const float *a, const float *b, float *c) {
  const w2s_gemm_isa *K = g->kern;
  const int MR = K->mr, NR = K->nr;
  scratch *s = thread_scratch();
  int NC = balanced_block(n, K->nc, NR), KC = balanced_block(g->k, K->kc, 8), MC = balanced_block(m, K->mc, MR);
  int64_t nc_pad = (NC + NR - 1) / NR * NR;
  /*
   * With several blocks of k, C is read and written once per block. When all of packed op(B) is small, it is packed
   * first and each mc-row block of C then takes every block of k while it is in cache.
   */
  bool whole_b = g->k > KC && (int64_t)g->k * nc_pad <= W2S_WHOLE_B_FLOATS;
  size_t b_need = (size_t)(whole_b ? g->k : KC) * (size_t)nc_pad;
  /* A is read in place (the kernels take its strides), only a block's last, partial panel packed; or all of it (pack_a). */
  size_t a_need = (size_t)KC * (size_t)(g->pack_a ? (MC + MR - 1) / MR * MR : MR);
  if (!s || !reserve(&s->pack_b, &s->cap_b, b_need) || !reserve(&s->pack_a, &s->cap_a, a_need)) {
    gemm_naive(g, m, n, a, b, c);
    return;
  }
  for (int jc = 0; jc < n; jc += NC) {
    int nc = n - jc < NC ? n - jc : NC;
    if (whole_b) {
      /* Block pc's panels start at pc * nc_pad (the blocks before it hold pc rows of nc_pad). */
      for (int pc = 0; pc < g->k; pc += KC) {
        int kc = g->k - pc < KC ? g->k - pc : KC;
        pack_b(NR, g->tb, b, g->ldb, pc, kc, jc, nc, s->pack_b + pc * nc_pad);
      }
      for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        for (int pc = 0; pc < g->k; pc += KC) {
          int kc = g->k - pc < KC ? g->k - pc : KC;
          /* Later blocks of k add to what the first one wrote. */
          block_product(g, s, a, s->pack_b + pc * nc_pad, c, ic, mc, pc, kc, jc, nc, pc == 0 ? g->beta : 1.0f);
        }
      }
      continue;
    }
    for (int pc = 0; pc < g->k; pc += KC) {
      int kc = g->k - pc < KC ? g->k - pc : KC;
      pack_b(NR, g->tb, b, g->ldb, pc, kc, jc, nc, s->pack_b);
      for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        block_product(g, s, a, s->pack_b, c, ic, mc, pc, kc, jc, nc, pc == 0 ? g->beta : 1.0f);
      }
    }
  }
}

/* Part `part` of `parts`: a range of whole nr-wide column tiles (or mr-tall row tiles) of C. */
static void gemm_part(void *arg, int part, int parts) {
  gemm_job *g = arg;
  int unit = g->split_n ? g->kern->nr : g->kern->mr;
  int extent = g->split_n ? g->n : g->m;
  int64_t tiles = (extent + unit - 1) / unit;
  int from = (int)(tiles * part / parts) * unit;
  int to = (int)(tiles * (part + 1) / parts) * unit;
  if (to > extent) to = extent;
  if (from >= to) return;
  if (g->split_n) {
    gemm_block(g, g->m, to - from, g->a, g->b + (g->tb ? from * g->ldb : from), g->c + from);
  } else {
    gemm_block(g, to - from, g->n, g->a + (g->ta ? from : from * g->lda), g->b, g->c + from * g->ldc);
  }
}

/* ---- matrix-vector products ---- */

typedef struct {
  const w2s_gemm_isa *kern;
  bool dots;          /* y[i] = dot(row i of mat, x); otherwise y += x[p] * row p of mat */
  const float *mat;   /* rows of mat are mat + r * ld */
  int64_t ld;
  const float *x;
  int k, len;
  float *y;
  float alpha, beta;
  float *c;
  int64_t inc_c;
} gemv_job;

static void gemv_part(void *arg, int part, int parts) {
  gemv_job *g = arg;
  int64_t chunks = (g->len + 15) / 16;
  int from = (int)(chunks * part / parts) * 16;
  int to = (int)(chunks * (part + 1) / parts) * 16;
  if (to > g->len) to = g->len;
  if (from >= to) return;
  if (g->dots) {
    int i = from;
    for (; i + 4 <= to; i += 4) g->kern->dot4(g->mat + i * g->ld, g->ld, g->x, g->k, g->y + i);
    for (; i < to; i++) g->y[i] = g->kern->dot(g->mat + i * g->ld, g->x, g->k);
  } else {
    /* Column blocks of y small enough to stay in L1 while every row of the matrix is added in. */
    for (int j0 = from; j0 < to; j0 += 2048) {
      int width = to - j0 < 2048 ? to - j0 : 2048;
      memset(g->y + j0, 0, (size_t)width * sizeof(float));
      int p = 0;
      for (; p + 4 <= g->k; p += 4) g->kern->axpy4(g->x + p, g->mat + p * g->ld + j0, g->ld, g->y + j0, width);
      for (; p < g->k; p++) g->kern->axpy(g->x[p], g->mat + p * g->ld + j0, g->y + j0, width);
    }
  }
  for (int i = from; i < to; i++) {
    float *ci = g->c + i * g->inc_c;
    *ci = g->beta == 0.0f ? g->alpha * g->y[i] : g->alpha * g->y[i] + g->beta * *ci;
  }
}

/* m == 1 or n == 1; false when scratch memory could not be had. */
static bool gemv(const w2s_gemm_isa *K, bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
  scratch *s = thread_scratch();
  int len = m == 1 ? n : m;
  if (!s || !reserve(&s->vec, &s->cap_vec, (size_t)k + (size_t)len + 16)) return false;
  gemv_job g = {.kern = K, .k = k, .len = len, .alpha = alpha, .beta = beta, .c = c};
  /* x: the one row of op(A), or the one column of op(B); gathered when it is strided. */
  const float *x_src = m == 1 ? a : b;
  int64_t x_inc = m == 1 ? (ta ? lda : 1) : (tb ? 1 : ldb);
  float *xbuf = s->vec, *y = s->vec + k + 16;
  if (x_inc == 1) {
    g.x = x_src;
  } else {
    for (int p = 0; p < k; p++) xbuf[p] = x_src[p * x_inc];
    g.x = xbuf;
  }
  if (m == 1) {
    g.mat = b, g.ld = ldb, g.dots = tb, g.inc_c = 1;
  } else {
    g.mat = a, g.ld = lda, g.dots = !ta, g.inc_c = ldc;
  }
  g.y = y;
  /* Several parts per thread, claimed as threads are free (pool.h). */
  int threads = w2s_pool_threads();
  int parts = threads > 1 && (int64_t)len * k >= W2S_PARALLEL_MIN_GEMV ? 4 * threads : 1;
  if (parts > (len + 15) / 16) parts = (len + 15) / 16;
  w2s_pool_run(parts, gemv_part, &g);
  return true;
}

/* ---- small products ---- */

/* The small-product path of W2S_SMALL_MAX_FMAS; false when the shape is not one for it. */
static bool small_product(const w2s_gemm_isa *K, bool ta, bool tb, int m, int n, int k, float alpha, const float *a,
                          int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  if (!K->small || k > K->kc || (int64_t)m * n * k >= W2S_SMALL_MAX_FMAS) return false;
  if (tb && (int64_t)k * n > W2S_SMALL_B_FLOATS) return false;
  int64_t rs = ta ? 1 : lda, cs = ta ? lda : 1;
  if (!tb) {
    K->small(m, n, k, a, rs, cs, b, ldb, c, ldc, alpha, beta);
    return true;
  }
  /* op(B) = B^T: its rows are B's columns, gathered into k rows of n, 4 x 4 at a time. */
  _Alignas(64) float bt[W2S_SMALL_B_FLOATS];
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *s0 = b + (int64_t)j * ldb, *s1 = s0 + ldb, *s2 = s1 + ldb, *s3 = s2 + ldb;
    int p = 0;
    for (; p + 4 <= k; p += 4) transpose4(s0 + p, s1 + p, s2 + p, s3 + p, bt + p * n + j, n);
    for (; p < k; p++) bt[p * n + j] = s0[p], bt[p * n + j + 1] = s1[p], bt[p * n + j + 2] = s2[p], bt[p * n + j + 3] = s3[p];
  }
  for (; j < n; j++) {
    for (int p = 0; p < k; p++) bt[p * n + j] = b[(int64_t)j * ldb + p];
  }
  K->small(m, n, k, a, rs, cs, bt, n, c, ldc, alpha, beta);
  return true;
}

/* ---- OpenBLAS, loaded at run time when asked for ---- */

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                               float *, int);
typedef void (*cblas_sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

static struct {
  pthread_mutex_t lock;
  void *lib;
  const char *why;
  cblas_sgemm_fn sgemm;
  cblas_sgemv_fn sgemv;
  void (*set_threads)(int);
  char *(*config)(void);
  char *(*core)(void);
} openblas = {.lock = PTHREAD_MUTEX_INITIALIZER};

static atomic_int provider = W2S_PROVIDER_W2S;

static bool load_openblas(const char **why) {
  pthread_mutex_lock(&openblas.lock);
  if (!openblas.lib && !openblas.why) {
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"};
    void *lib = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      openblas.why = "libopenblas is not installed (no libopenblas.so.0 on the library path)";
    } else {
      openblas.sgemm = (cblas_sgemm_fn)dlsym(lib, "cblas_sgemm");
      openblas.sgemv = (cblas_sgemv_fn)dlsym(lib, "cblas_sgemv");
      openblas.set_threads = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
      openblas.config = (char *(*)(void))dlsym(lib, "openblas_get_config");
      openblas.core = (char *(*)(void))dlsym(lib, "openblas_get_corename");
      if (!openblas.sgemm || !openblas.sgemv || !openblas.set_threads || !openblas.config || !openblas.core) {
        dlclose(lib);
        openblas.why = "the libopenblas found lacks cblas_sgemm, cblas_sgemv or openblas_set_num_threads";
      } else {
        openblas.set_threads(w2s_pool_threads());
        openblas.lib = lib;
      }
    }
  }
  bool ok = openblas.lib != NULL;
  if (!ok && why) *why = openblas.why;
  pthread_mutex_unlock(&openblas.lock);
  return ok;
}

w2s_provider w2s_gemm_provider(void) { return (w2s_provider)atomic_load(&provider); }

bool w2s_gemm_use_provider(w2s_provider p, const char **why) {
  if (p == W2S_PROVIDER_OPENBLAS && !load_openblas(why)) return false;
  atomic_store(&provider, (int)p);
  return true;
}

const char *w2s_openblas_config(void) { return openblas.lib ? openblas.config() : NULL; }
const char *w2s_openblas_core(void) { return openblas.lib ? openblas.core() : NULL; }

int w2s_gemm_threads(void) { return w2s_pool_threads(); }

void w2s_gemm_set_threads(int threads) {
  w2s_pool_set_threads(threads);
  if (openblas.lib) openblas.set_threads(w2s_pool_threads());
}

static void openblas_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, float beta, float *c, int ldc) {
  /*
   * A single row or column of C is a matrix-vector product, which sgemv runs 2-3x faster than sgemm. y is cleared
   * first for beta = 0 because not every OpenBLAS release makes gemv's beta = 0 overwrite NaN in y.
   */
  if (m == 1 || n == 1) {
    float *y = c;
    int inc_y = m == 1 ? 1 : ldc;
    int len_y = m == 1 ? n : m;
    if (beta == 0) {
      for (int i = 0; i < len_y; i++) y[(int64_t)i * inc_y] = 0.0f;
    }
    if (m == 1) {
      int inc_x = trans_a ? lda : 1;
      if (trans_b) {
        openblas.sgemv(ROW_MAJOR, NO_TRANS, n, k, alpha, b, ldb, a, inc_x, beta, y, inc_y);
      } else {
        openblas.sgemv(ROW_MAJOR, TRANS, k, n, alpha, b, ldb, a, inc_x, beta, y, inc_y);
      }
    } else {
      int inc_x = trans_b ? 1 : ldb;
      if (trans_a) {
        openblas.sgemv(ROW_MAJOR, TRANS, k, m, alpha, a, lda, b, inc_x, beta, y, inc_y);
      } else {
        openblas.sgemv(ROW_MAJOR, NO_TRANS, m, k, alpha, a, lda, b, inc_x, beta, y, inc_y);
      }
    }
    return;
  }
  openblas.sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb,
                 beta, c, ldc);
}

/* ---- the entry point ---- */

/* C = beta * C without reading it when beta = 0 (NaN there must not survive). */
static void scale_c(int m, int n, float beta, float *c, int ldc) {
  if (beta == 1.0f) return;
  for (int i = 0; i < m; i++) {
    float *row = c + (int64_t)i * ldc;
    if (beta == 0.0f) {
      memset(row, 0, (size_t)n * sizeof(float));
    } else {
      for (int j = 0; j < n; j++) row[j] *= beta;
    }
  }
}

void w2s_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
              int ldb, float beta, float *c, int ldc) {
  /* Handled here for every provider: A and B are not to be read at all (OpenBLAS multiplies NaN by 0 on some cores). */
  if (k == 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  if (atomic_load(&provider) == W2S_PROVIDER_OPENBLAS && openblas.lib) {
    openblas_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const w2s_gemm_isa *K = w2s_gemm_kernels(w2s_gemm_isa_active());
  if ((m == 1 || n == 1) && gemv(K, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  if (small_product(K, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  gemm_job g = {K, trans_a, trans_b, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc, false, false};
  /*
   * A transposed A with long rows (dW = dY^T X: each step of k is a row of dY) would have the kernel touch a new page
   * at every step; packed, its panels are contiguous.
   */
  g.pack_a = trans_a && lda >= W2S_PACK_A_MIN_LD;
  int64_t col_tiles = (n + K->nr - 1) / K->nr, row_tiles = (m + K->mr - 1) / K->mr;
  g.split_n = col_tiles >= row_tiles;
  int64_t tiles = g.split_n ? col_tiles : row_tiles;
  /*
   * Several parts per thread, claimed as threads are free (pool.h): fewer by rows, as each part packs all of op(B)
   * for its rows (by columns, each packs only its own).
   */
  int threads = w2s_pool_threads();
  int parts = threads > 1 && (double)m * n * k >= W2S_PARALLEL_MIN_FMAS ? threads * (g.split_n ? 4 : 2) : 1;
  if (parts > tiles) parts = (int)tiles;
  w2s_pool_run(parts, gemm_part, &g);
}
