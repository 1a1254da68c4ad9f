#define _GNU_SOURCE
#include "pool.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define W2S_MAX_THREADS 256
/*
 * Workers and the caller poll this many times before sleeping on a condition variable: the engine's products come
 * in quick succession, and waking a sleeping thread costs tens of microseconds, more than a small product takes.
 */
#define W2S_SPIN 4000

#if defined(__x86_64__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() ((void)0)
#endif

static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER; /* held by the call that uses the workers */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* guards the sleeps below */
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
/*
 * Worker i's state: IDLE; OFFERED when a call wants its help; RUNNING once it took the offer. The caller withdraws an
 * offer not yet taken (OFFERED -> IDLE) when it has run out of parts, so a worker the OS has not scheduled never holds
 * the call up; a RUNNING worker sets IDLE when it has finished its parts.
 */
enum { IDLE, OFFERED, RUNNING };
static atomic_int state[W2S_MAX_THREADS];
static atomic_int next_part; /* parts are claimed in order by whoever is free */
static int started;          /* workers running (only the holder of busy changes it) */
static w2s_task job_fn;
static void *job_arg;
static int job_parts;
static atomic_int threads_setting; /* 0 until first read */

/* Runs parts of the current call until none is left. */
static void run_parts(void) {
  int part;
  while ((part = atomic_fetch_add_explicit(&next_part, 1, memory_order_relaxed)) < job_parts) job_fn(job_arg, part, job_parts);
}

static int default_threads(void) {
  const char *names[] = {"W2S_NUM_THREADS", "OPENBLAS_NUM_THREADS"};
  for (int i = 0; i < 2; i++) {
    const char *value = getenv(names[i]);
    if (value && *value) {
      int n = atoi(value);
      if (n >= 1) return n < W2S_MAX_THREADS ? n : W2S_MAX_THREADS;
    }
  }
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n >= 1) return n < W2S_MAX_THREADS ? n : W2S_MAX_THREADS;
  }
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n < W2S_MAX_THREADS ? (int)n : W2S_MAX_THREADS;
}

int w2s_pool_threads(void) {
  int n = atomic_load(&threads_setting);
  if (n == 0) {
    int expected = 0;
    atomic_compare_exchange_strong(&threads_setting, &expected, default_threads());
    n = atomic_load(&threads_setting);
  }
  return n;
}

void w2s_pool_set_threads(int threads) {
  atomic_store(&threads_setting, threads < 1 ? 1 : threads > W2S_MAX_THREADS ? W2S_MAX_THREADS : threads);
}

static void *worker(void *arg) {
  int me = (int)(intptr_t)arg;
  for (;;) {
    int spins = 0;
    while (atomic_load_explicit(&state[me], memory_order_acquire) != OFFERED && spins < W2S_SPIN) {
      cpu_relax();
      spins++;
    }
    if (atomic_load_explicit(&state[me], memory_order_acquire) != OFFERED) {
      pthread_mutex_lock(&lock);
      while (atomic_load_explicit(&state[me], memory_order_acquire) != OFFERED) pthread_cond_wait(&wake, &lock);
      pthread_mutex_unlock(&lock);
    }
    int offered = OFFERED;
    /* The caller may have withdrawn the offer meanwhile; then there is nothing to do. */
    if (!atomic_compare_exchange_strong_explicit(&state[me], &offered, RUNNING, memory_order_acq_rel, memory_order_acquire)) continue;
    run_parts();
    atomic_store_explicit(&state[me], IDLE, memory_order_release);
  }
  return NULL;
}

void w2s_keep_loaded(void) {
  static atomic_int pinned;
  if (atomic_exchange(&pinned, 1)) return;
  Dl_info info;
  if (dladdr((void *)&w2s_keep_loaded, &info) && info.dli_fname != NULL) (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

/* Starts workers until `count` run; returns how many do (fewer if the system refuses threads). */
static int start_workers(int count) {
  if (started < count) w2s_keep_loaded();
  while (started < count) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int failed = pthread_create(&thread, &attr, worker, (void *)(intptr_t)started);
    pthread_attr_destroy(&attr);
    if (failed) break;
    started++;
  }
  return started;
}

static void run_serially(int parts, w2s_task fn, void *arg) {
  for (int part = 0; part < parts; part++) fn(arg, part, parts);
}

void w2s_pool_run(int parts, w2s_task fn, void *arg) {
  int threads = w2s_pool_threads();
  int helpers = threads - 1 < parts - 1 ? threads - 1 : parts - 1;
  if (helpers <= 0 || pthread_mutex_trylock(&busy) != 0) {
    run_serially(parts, fn, arg);
    return;
  }
  helpers = start_workers(helpers) < helpers ? started : helpers;
  job_fn = fn;
  job_arg = arg;
  job_parts = parts;
  atomic_store_explicit(&next_part, 0, memory_order_relaxed);
  pthread_mutex_lock(&lock);
  for (int i = 0; i < helpers; i++) atomic_store_explicit(&state[i], OFFERED, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  run_parts();
  for (int i = 0; i < helpers; i++) {
    int offered = OFFERED;
    if (atomic_compare_exchange_strong_explicit(&state[i], &offered, IDLE, memory_order_acq_rel, memory_order_acquire)) continue;
    /* Worker i is running its last part: wait for it (briefly, as parts are short), yielding if it is descheduled. */
    for (int spins = 0; atomic_load_explicit(&state[i], memory_order_acquire) != IDLE; spins++) {
      if (spins < W2S_SPIN) {
        cpu_relax();
      } else {
        sched_yield();
      }
    }
  }
  pthread_mutex_unlock(&busy);
}
