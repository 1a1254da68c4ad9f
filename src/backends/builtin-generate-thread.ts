// The built-in engine's generation in a worker thread (builtin-generate-worker.ts): this thread keeps the tokenizer
// and the batching queue, the worker holds the weights and runs one batch at a time. Used by `w2s serve`, whose HTTP
// server must keep answering while a batch runs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readCheckpointConfig } from '../engine/formats/checkpoint.js';
import { HfTokenizer } from '../engine/tokenizers/tokenizer.js';
import { errorFromPosted, EXIT_FAILURE, W2sError } from '../errors.js';
import type { EngineDecoding } from './builtin.js';
import type { GenerateBatch, GenerateWorkerData, GenerateWorkerMessage } from './builtin-generate-worker.js';
import type { GenerationEngine } from './builtin-generator.js';
import type { Completion, ModelRef } from './types.js';

const WORKER_URL = new URL('./builtin-generate-worker.js', import.meta.url);

/** Whether the worker script exists (it does in the compiled package, not when the sources run under a test runner). */
export function generateWorkerAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_URL));
}

/** Written into the stop cell: stop whatever batch runs (the thread is about to end). */
export const STOP_EVERY_BATCH = -1;

/** How long close() waits for a running batch to stop between tokens before ending the thread regardless. */
const CLOSE_WAIT_MS = 2000;

interface Running {
  batch: number;
  resolve: (completions: Completion[]) => void;
  reject: (error: Error) => void;
}

export class WorkerGenerationEngine implements GenerationEngine {
  private nextBatch = 1;
  private running: Running | undefined;
  private exited: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    /** Shared with the worker: the number of the batch to stop. */
    private readonly stopCell: Int32Array,
    readonly tokenizer: HfTokenizer,
    readonly contextSize: number,
  ) {
    worker.on('message', (message: GenerateWorkerMessage) => this.receive(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new W2sError(`the generation worker thread exited (code ${code})`, {}, EXIT_FAILURE)));
  }

  /** Starts the worker and waits until it has loaded the model; a bad checkpoint is the same error as in this thread. */
  static async open(ref: ModelRef): Promise<WorkerGenerationEngine> {
    // The tokenizer and config are read here first, so a bad folder fails before a thread starts.
    const config = readCheckpointConfig(ref.checkpoint);
    const tokenizer = HfTokenizer.load(ref.checkpoint);
    const stop = new SharedArrayBuffer(4);
    const worker = new Worker(WORKER_URL, { workerData: { ref, stop } satisfies GenerateWorkerData });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: GenerateWorkerMessage): void => {
        worker.off('error', reject);
        worker.off('message', onMessage);
        if (message.type === 'ready') resolve();
        else {
          void worker.terminate();
          reject(message.type === 'error' ? workerError(message) : new Error(`unexpected message from the generation worker: ${message.type}`));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return new WorkerGenerationEngine(worker, new Int32Array(stop), tokenizer, config.max_position_embeddings);
  }

  complete(ids: readonly (readonly number[])[], decoding: EngineDecoding, signal?: AbortSignal): Promise<Completion[]> {
    if (this.exited) return Promise.reject(this.exited);
    if (this.running) return Promise.reject(new Error('the generation worker runs one batch at a time'));
    const batch = this.nextBatch++;
    return new Promise<Completion[]>((resolve, reject) => {
      const onAbort = (): void => void Atomics.store(this.stopCell, 0, batch);
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.running = undefined;
      };
      this.running = {
        batch,
        resolve: (completions) => {
          settle();
          resolve(completions);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      this.worker.postMessage({ batch, ids: ids.map((p) => [...p]), decoding } satisfies GenerateBatch);
    });
  }

  /**
   * Stops a running batch at its next token (its caller gets an error), then ends the thread. The thread is not
   * terminated inside a batch: that would end it in the middle of a native kernel.
   */
  async close(): Promise<void> {
    const running = this.running;
    if (!this.exited) this.exited = new W2sError('the generator was closed', {}, EXIT_FAILURE);
    if (running) {
      Atomics.store(this.stopCell, 0, STOP_EVERY_BATCH);
      await new Promise<void>((resolve) => {
        const wait = setTimeout(resolve, CLOSE_WAIT_MS);
        const done = (): void => {
          clearTimeout(wait);
          resolve();
        };
        const { resolve: resolveRunning, reject: rejectRunning } = running;
        running.resolve = (completions) => (resolveRunning(completions), done());
        running.reject = (error) => (rejectRunning(error), done());
      });
    }
    await this.worker.terminate();
    this.running?.reject(this.exited);
  }

  private receive(message: GenerateWorkerMessage): void {
    const running = this.running;
    if (running === undefined || message.type === 'ready' || ('batch' in message && message.batch !== running.batch)) return;
    if (message.type === 'done') running.resolve(message.completions);
    else if (message.type === 'stopped') running.reject(new DOMException('the batch was stopped', 'AbortError'));
    else running.reject(workerError(message));
  }

  private fail(error: Error): void {
    if (!this.exited) this.exited = error;
    this.running?.reject(error);
  }
}

function workerError(message: Extract<GenerateWorkerMessage, { type: 'error' }>): Error {
  return errorFromPosted(message.error, (e) => new Error(`the engine failed in its worker thread: ${e.message}`));
}
