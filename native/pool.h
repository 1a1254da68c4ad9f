/*
 * The addon's worker threads for the matrix product: one process-wide pool, sized by w2s_pool_set_threads (default:
 * W2S_NUM_THREADS, else OPENBLAS_NUM_THREADS, else the CPUs this process may run on).
 */
#ifndef W2S_POOL_H
#define W2S_POOL_H

/* One share of a parallel call: part in [0, parts). */
typedef void (*w2s_task)(void *arg, int part, int parts);

/* How many threads a parallel call may use (the caller's included). */
int w2s_pool_threads(void);
/* Sets that number (1 .. 256); workers are started when first needed. */
void w2s_pool_set_threads(int threads);

/*
 * Runs fn(arg, part, parts) once for every part and returns when all are done. The calling thread and up to
 * w2s_pool_threads() - 1 workers claim parts in order as they become free, so more parts than threads balance the load
 * and a worker the OS does not schedule in time is simply not waited for. When another thread's call holds the workers
 * (JavaScript worker threads share this process), every part runs on the calling thread; callers must not depend on
 * which thread runs a part.
 */
void w2s_pool_run(int parts, w2s_task fn, void *arg);

/*
 * Keeps this library mapped until the process ends. Node unloads (dlclose) the addons a JavaScript worker thread
 * loaded when that thread ends; code of the library that still runs after that (the pool's workers, the destructor of
 * a thread's scratch buffers when an OS thread exits) would then jump into unmapped memory. Call before starting
 * anything of the kind.
 */
void w2s_keep_loaded(void);

#endif
