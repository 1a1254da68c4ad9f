/*
 * An I/O thread: it reads files into, and writes files from, regions of one JavaScript byte array (an arena), job by
 * job in the order they were submitted, while the JavaScript thread works on other regions. `w2s score` spends a large
 * part of its time in read and write system calls; on a second core they overlap with scanning lines and assembling
 * rows. src/io/io-thread.ts drives it.
 *
 * The arena's backing store stays alive (a reference is held) and does not move while the thread runs; the caller
 * must not touch a region between submitting it and waiting for its ticket.
 */
/* pthreads and the POSIX types uv.h needs, under -std=c11; 64-bit file offsets on 32-bit systems too. */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "io_thread.h"

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
  /* Reads: the file offset to read from (pread); -1 for a write at the file's position. */
  int64_t position;
  /* Reads: the bytes read (fewer than asked only at the end of the file). */
  int64_t result;
} job;

typedef struct {
  pthread_t thread;
  pthread_mutex_t mutex;
  pthread_cond_t submitted_cv, completed_cv;
  job ring[RING];
  int64_t submitted, completed;
  bool stopping, running;
  /* The errno of the first failed job (0: none), and whether it was a read; later jobs are skipped but counted done. */
  int error;
  bool error_in_read;
  uint8_t *arena;
  size_t length;
  napi_ref arena_ref;
} io_thread;

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

static int read_all(int fd, uint8_t *data, size_t n, int64_t position, int64_t *result) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = pread(fd, data + done, n - done, (off_t)(position + (int64_t)done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (got == 0) break;
    done += (size_t)got;
  }
  *result = (int64_t)done;
  return 0;
}

static void *run(void *arg) {
  io_thread *io = arg;
  pthread_mutex_lock(&io->mutex);
  for (;;) {
    while (io->completed == io->submitted && !io->stopping) pthread_cond_wait(&io->submitted_cv, &io->mutex);
    if (io->completed == io->submitted) break;
    job *j = &io->ring[io->completed % RING];
    bool skip = io->error != 0;
    pthread_mutex_unlock(&io->mutex);
    /* The slot is not reused before this job is counted done, so it may be read and written unlocked. */
    int error = 0;
    if (!skip) {
      error = j->position < 0 ? write_all(j->fd, io->arena + j->start, j->end - j->start)
                              : read_all(j->fd, io->arena + j->start, j->end - j->start, j->position, &j->result);
    }
    pthread_mutex_lock(&io->mutex);
    if (error != 0 && io->error == 0) {
      io->error = error;
      io->error_in_read = j->position >= 0;
    }
    io->completed++;
    pthread_cond_broadcast(&io->completed_cv);
  }
  pthread_mutex_unlock(&io->mutex);
  return NULL;
}

/* Blocks until job `ticket` is done. Call with the mutex held. */
static void settle(io_thread *io, int64_t ticket) {
  while (io->completed < ticket) pthread_cond_wait(&io->completed_cv, &io->mutex);
}

/* Waits for every job and ends the thread; the arena is released. */
static void stop(napi_env env, io_thread *io) {
  if (!io->running) return;
  pthread_mutex_lock(&io->mutex);
  io->stopping = true;
  pthread_cond_signal(&io->submitted_cv);
  pthread_mutex_unlock(&io->mutex);
  pthread_join(io->thread, NULL);
  io->running = false;
  if (io->arena_ref != NULL) napi_delete_reference(env, io->arena_ref);
  io->arena_ref = NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  io_thread *io = data;
  /* A handle collected without stop(): the thread still finishes its jobs first. */
  stop(env, io);
  pthread_mutex_destroy(&io->mutex);
  pthread_cond_destroy(&io->submitted_cv);
  pthread_cond_destroy(&io->completed_cv);
  free(io);
}

static bool handle_arg(w2s_args *a, int i, io_thread **out) {
  void *data = NULL;
  napi_valuetype type;
  if (napi_typeof(a->env, a->argv[i], &type) != napi_ok || type != napi_external ||
      napi_get_value_external(a->env, a->argv[i], &data) != napi_ok || data == NULL) {
    return w2s_require(a, false, "handle must come from ioStart");
  }
  *out = data;
  return w2s_require(a, (*out)->running, "the I/O thread has been stopped");
}

static napi_value number(napi_env env, double value) {
  napi_value out;
  return napi_create_double(env, value, &out) == napi_ok ? out : NULL;
}

/* ioStart(arena: Uint8Array): a handle. */
napi_value w2s_op_io_start(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "ioStart", 1, &a)) return NULL;
  uint8_t *arena;
  size_t length;
  if (!w2s_arg_u8(&a, 0, "arena", &arena, &length)) return NULL;
  io_thread *io = calloc(1, sizeof *io);
  if (io == NULL) {
    napi_throw_error(env, NULL, "ioStart: out of memory");
    return NULL;
  }
  io->arena = arena;
  io->length = length;
  pthread_mutex_init(&io->mutex, NULL);
  pthread_cond_init(&io->submitted_cv, NULL);
  pthread_cond_init(&io->completed_cv, NULL);
  napi_value handle;
  if (napi_create_reference(env, a.argv[0], 1, &io->arena_ref) != napi_ok ||
      pthread_create(&io->thread, NULL, run, io) != 0) {
    if (io->arena_ref != NULL) napi_delete_reference(env, io->arena_ref);
    finalize(env, io, NULL);
    napi_throw_error(env, NULL, "ioStart: cannot start the thread");
    return NULL;
  }
  io->running = true;
  if (napi_create_external(env, io, finalize, NULL, &handle) != napi_ok) {
    stop(env, io);
    finalize(env, io, NULL);
    napi_throw_error(env, NULL, "ioStart: cannot create the handle");
    return NULL;
  }
  return handle;
}

/*
 * ioSubmit(handle, fd, start, end, position): queues a write of arena[start, end) to fd (position -1: at the file's
 * position) or a read of the file from `position` into arena[start, end); returns the job's ticket. Waits while the
 * ring is full.
 */
napi_value w2s_op_io_submit(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "ioSubmit", 5, &a)) return NULL;
  io_thread *io;
  int fd, start, end;
  double position;
  if (!handle_arg(&a, 0, &io) || !w2s_arg_index(&a, 1, "fd", &fd) || !w2s_arg_index(&a, 2, "start", &start) ||
      !w2s_arg_index(&a, 3, "end", &end) || !w2s_arg_number(&a, 4, "position", &position)) {
    return NULL;
  }
  if (!w2s_require(&a, start <= end, "start is after end") || !w2s_need(&a, "arena", io->length, end) ||
      !w2s_require(&a, position == -1 || (position >= 0 && position <= 9007199254740991.0 && position == (double)(int64_t)position),
                   "position must be -1 (a write) or a file offset (a read)")) {
    return NULL;
  }
  pthread_mutex_lock(&io->mutex);
  settle(io, io->submitted + 1 - RING);
  io->ring[io->submitted % RING] = (job){fd, (size_t)start, (size_t)end, (int64_t)position, 0};
  int64_t ticket = ++io->submitted;
  pthread_cond_signal(&io->submitted_cv);
  pthread_mutex_unlock(&io->mutex);
  return number(env, (double)ticket);
}

/*
 * ioWait(handle, ticket, settleOnly): blocks until job `ticket` and those before it are done; then, unless settleOnly,
 * throws the error of a failed job (code and message as Node's fs gives them). Returns the bytes a read job read (0
 * for a write); call it before 64 more jobs are submitted, which reuse the job's slot.
 */
napi_value w2s_op_io_wait(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "ioWait", 3, &a)) return NULL;
  io_thread *io;
  double ticket;
  bool settle_only;
  if (!handle_arg(&a, 0, &io) || !w2s_arg_number(&a, 1, "ticket", &ticket) ||
      !w2s_arg_bool(&a, 2, "settleOnly", &settle_only)) {
    return NULL;
  }
  int64_t t = (int64_t)ticket;
  pthread_mutex_lock(&io->mutex);
  settle(io, t);
  int error = io->error;
  bool in_read = io->error_in_read;
  int64_t result = t >= 1 && t > io->submitted - RING ? io->ring[(t - 1) % RING].result : 0;
  pthread_mutex_unlock(&io->mutex);
  if (error != 0 && !settle_only) {
    char message[256];
    snprintf(message, sizeof message, "%s: %s, %s", uv_err_name(-error), uv_strerror(-error), in_read ? "read" : "write");
    napi_throw_error(env, uv_err_name(-error), message);
    return NULL;
  }
  return number(env, (double)result);
}

/* ioStop(handle): waits for every job, ends the thread and releases the arena. */
napi_value w2s_op_io_stop(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "ioStop", 1, &a)) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, a.argv[0], &data) != napi_ok || data == NULL) {
    w2s_require(&a, false, "handle must come from ioStart");
    return NULL;
  }
  stop(env, data);
  return NULL;
}
