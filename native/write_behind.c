/*
 * Write-behind: a thread that writes regions of one JavaScript byte array (an arena) to files, in the order they were
 * submitted, while the JavaScript thread fills other regions. `w2s score` spends a large part of its time in write
 * system calls; on a second core they overlap with assembling the rows. src/data/write-behind.ts drives it.
 *
 * The arena's backing store stays alive (a reference is held) and does not move while the thread runs; the caller
 * must not change a region between submitting it and waiting for its ticket.
 */
/* pthreads and the POSIX types uv.h needs, under -std=c11. */
#define _POSIX_C_SOURCE 200809L

#include "write_behind.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define RING 64
/* Bytes per write system call: one very large write costs this machine's kernel more than the same bytes in slices. */
#define SLICE (64 << 10)

typedef struct {
  int fd;
  size_t start, end;
} job;

typedef struct {
  pthread_t thread;
  pthread_mutex_t mutex;
  pthread_cond_t submitted_cv, completed_cv;
  job ring[RING];
  int64_t submitted, completed;
  bool stopping, running;
  /* The errno of the first failed write (0: none); later jobs are skipped but counted done. */
  int error;
  uint8_t *arena;
  size_t length;
  napi_ref arena_ref;
} write_behind;

static int write_all(int fd, const uint8_t *data, size_t n) {
  while (n > 0) {
    ssize_t wrote = write(fd, data, n < SLICE ? n : SLICE);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += wrote;
    n -= (size_t)wrote;
  }
  return 0;
}

static void *run(void *arg) {
  write_behind *w = arg;
  pthread_mutex_lock(&w->mutex);
  for (;;) {
    while (w->completed == w->submitted && !w->stopping) pthread_cond_wait(&w->submitted_cv, &w->mutex);
    if (w->completed == w->submitted) break;
    job j = w->ring[w->completed % RING];
    bool skip = w->error != 0;
    pthread_mutex_unlock(&w->mutex);
    int error = skip ? 0 : write_all(j.fd, w->arena + j.start, j.end - j.start);
    pthread_mutex_lock(&w->mutex);
    if (error != 0 && w->error == 0) w->error = error;
    w->completed++;
    pthread_cond_broadcast(&w->completed_cv);
  }
  pthread_mutex_unlock(&w->mutex);
  return NULL;
}

/* Blocks until job `ticket` is done. Call with the mutex held. */
static void settle(write_behind *w, int64_t ticket) {
  while (w->completed < ticket) pthread_cond_wait(&w->completed_cv, &w->mutex);
}

/* Waits for every job and ends the thread; the arena is released. */
static void stop(napi_env env, write_behind *w) {
  if (!w->running) return;
  pthread_mutex_lock(&w->mutex);
  w->stopping = true;
  pthread_cond_signal(&w->submitted_cv);
  pthread_mutex_unlock(&w->mutex);
  pthread_join(w->thread, NULL);
  w->running = false;
  if (w->arena_ref != NULL) napi_delete_reference(env, w->arena_ref);
  w->arena_ref = NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  write_behind *w = data;
  /* A handle collected without stop(): the thread still finishes its jobs first. */
  stop(env, w);
  pthread_mutex_destroy(&w->mutex);
  pthread_cond_destroy(&w->submitted_cv);
  pthread_cond_destroy(&w->completed_cv);
  free(w);
}

static bool handle_arg(w2s_args *a, int i, write_behind **out) {
  void *data = NULL;
  napi_valuetype type;
  if (napi_typeof(a->env, a->argv[i], &type) != napi_ok || type != napi_external ||
      napi_get_value_external(a->env, a->argv[i], &data) != napi_ok || data == NULL) {
    return w2s_require(a, false, "handle must come from writeBehindStart");
  }
  *out = data;
  return w2s_require(a, (*out)->running, "the write-behind thread has been stopped");
}

static napi_value number(napi_env env, double value) {
  napi_value out;
  return napi_create_double(env, value, &out) == napi_ok ? out : NULL;
}

/* writeBehindStart(arena: Uint8Array): a handle. */
napi_value w2s_op_write_behind_start(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "writeBehindStart", 1, &a)) return NULL;
  uint8_t *arena;
  size_t length;
  if (!w2s_arg_u8(&a, 0, "arena", &arena, &length)) return NULL;
  write_behind *w = calloc(1, sizeof *w);
  if (w == NULL) {
    napi_throw_error(env, NULL, "writeBehindStart: out of memory");
    return NULL;
  }
  w->arena = arena;
  w->length = length;
  pthread_mutex_init(&w->mutex, NULL);
  pthread_cond_init(&w->submitted_cv, NULL);
  pthread_cond_init(&w->completed_cv, NULL);
  napi_value handle;
  if (napi_create_reference(env, a.argv[0], 1, &w->arena_ref) != napi_ok ||
      pthread_create(&w->thread, NULL, run, w) != 0) {
    if (w->arena_ref != NULL) napi_delete_reference(env, w->arena_ref);
    finalize(env, w, NULL);
    napi_throw_error(env, NULL, "writeBehindStart: cannot start the thread");
    return NULL;
  }
  w->running = true;
  if (napi_create_external(env, w, finalize, NULL, &handle) != napi_ok) {
    stop(env, w);
    finalize(env, w, NULL);
    napi_throw_error(env, NULL, "writeBehindStart: cannot create the handle");
    return NULL;
  }
  return handle;
}

/* writeBehindSubmit(handle, fd, start, end): the job's ticket. Waits while the ring is full. */
napi_value w2s_op_write_behind_submit(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "writeBehindSubmit", 4, &a)) return NULL;
  write_behind *w;
  int fd, start, end;
  if (!handle_arg(&a, 0, &w) || !w2s_arg_index(&a, 1, "fd", &fd) || !w2s_arg_index(&a, 2, "start", &start) ||
      !w2s_arg_index(&a, 3, "end", &end)) {
    return NULL;
  }
  if (!w2s_require(&a, start <= end, "start is after end") || !w2s_need(&a, "arena", w->length, end)) return NULL;
  pthread_mutex_lock(&w->mutex);
  settle(w, w->submitted + 1 - RING);
  w->ring[w->submitted % RING] = (job){fd, (size_t)start, (size_t)end};
  int64_t ticket = ++w->submitted;
  pthread_cond_signal(&w->submitted_cv);
  pthread_mutex_unlock(&w->mutex);
  return number(env, (double)ticket);
}

/*
 * writeBehindWait(handle, ticket, settleOnly): blocks until job `ticket` and those before it are done; then, unless
 * settleOnly, throws the error of a failed write (code and message as Node's fs gives them).
 */
napi_value w2s_op_write_behind_wait(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "writeBehindWait", 3, &a)) return NULL;
  write_behind *w;
  double ticket;
  bool settle_only;
  if (!handle_arg(&a, 0, &w) || !w2s_arg_number(&a, 1, "ticket", &ticket) ||
      !w2s_arg_bool(&a, 2, "settleOnly", &settle_only)) {
    return NULL;
  }
  pthread_mutex_lock(&w->mutex);
  settle(w, (int64_t)ticket);
  int error = w->error;
  pthread_mutex_unlock(&w->mutex);
  if (error != 0 && !settle_only) {
    char message[256];
    snprintf(message, sizeof message, "%s: %s, write", uv_err_name(-error), uv_strerror(-error));
    napi_throw_error(env, uv_err_name(-error), message);
  }
  return NULL;
}

/* writeBehindStop(handle): waits for every job, ends the thread and releases the arena. */
napi_value w2s_op_write_behind_stop(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "writeBehindStop", 1, &a)) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, a.argv[0], &data) != napi_ok || data == NULL) {
    w2s_require(&a, false, "handle must come from writeBehindStart");
    return NULL;
  }
  stop(env, data);
  return NULL;
}
