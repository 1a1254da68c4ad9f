// The built-in engine behind the Trainer interface. From the compiled package the training runs in a worker thread
// (the engine's loop is synchronous: in this thread it would block progress output and Ctrl-C until it ends); where
// the worker script is not compiled (tests on the sources) it runs in this thread.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SftRow } from '../core/types.js';
import { errorFromPosted } from '../errors.js';
import { trainSft } from './builtin.js';
import type { TrainJob, TrainWorkerMessage } from './builtin-train-worker.js';
import type { ModelRef, SftOutcome, SftSettings, Trainer, TrainControl } from './types.js';
import { stagingPrefix } from '../io/atomic.js';

const WORKER_URL = new URL('./builtin-train-worker.js', import.meta.url);

export class BuiltinTrainer implements Trainer {
  readonly engine = 'builtin';

  async train(
    base: ModelRef,
    rows: readonly SftRow[],
    settings: SftSettings,
    outDir: string,
    options: TrainControl = {},
  ): Promise<SftOutcome> {
    options.signal?.throwIfAborted();
    const job: TrainJob = { base, rows: [...rows], settings, outDir };
    if (!existsSync(fileURLToPath(WORKER_URL))) return inThisThread(job, options);
    try {
      return await inWorker(job, options);
    } catch (error) {
      if (options.signal?.aborted) removeStaging(outDir);
      throw error;
    }
  }
}

/** Abort is seen between steps only, and only when it was raised synchronously (this thread is busy meanwhile). */
function inThisThread(job: TrainJob, options: TrainControl): Promise<SftOutcome> {
  return trainSft(job.base, job.rows, job.settings, job.outDir, {
    onStep: (info) => {
      options.onStep?.({ step: info.step, totalSteps: info.totalSteps, loss: info.loss, learningRate: info.learningRate });
      options.signal?.throwIfAborted();
    },
  });
}

function inWorker(job: TrainJob, options: TrainControl): Promise<SftOutcome> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: job });
    let settled = false;
    let stopping = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      action();
    };
    // The run settles on the worker's exit, once nothing writes any more (the caller removes what it left).
    const onAbort = (): void => {
      stopping = true;
      void worker.terminate();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: TrainWorkerMessage) => {
      if (stopping) return;
      if (message.type === 'step') options.onStep?.({ step: message.step, totalSteps: message.totalSteps, loss: message.loss, learningRate: message.learningRate });
      else if (message.type === 'done') settle(() => resolvePromise(message.outcome));
      else {
        settle(() => reject(errorFromPosted(message.error, (e) => new Error(`training failed in a worker thread: ${e.stack ?? e.message}`))));
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) =>
      settle(() => reject(stopping ? options.signal!.reason : new Error(`the training worker thread exited (code ${code}) without a result`))),
    );
  });
}

/** The staging folders an interrupted atomic write (io/atomic.ts) leaves beside `outDir`. */
function removeStaging(outDir: string): void {
  const target = resolve(outDir);
  const parent = dirname(target);
  if (!existsSync(parent)) return;
  const prefix = stagingPrefix(target);
  for (const name of readdirSync(parent)) if (name.startsWith(prefix)) rmSync(join(parent, name), { recursive: true, force: true });
}
