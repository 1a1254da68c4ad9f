import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GradientJob } from '../accumulate.js';
import type { Kernels } from '../kernels/types.js';
import type { LoraConfig } from '../lora.js';
import type { LlamaModel } from '../model.js';
import type { LlamaConfig } from '../config.js';

/**
 * Data-parallel gradient workers: each worker thread holds a model over the same shared weights and its own gradient
 * buffer, runs the gradient jobs it is given, and the trainer adds their gradients to its own. The trainer stays
 * synchronous: jobs go out as messages and completion comes back through shared memory (Atomics), so it can work on
 * its own share of a micro-batch meanwhile.
 */

/** Job states in a worker's control word. */
const PENDING = 1;
const DONE = 2;
const FAILED = 3;
/** Control words: [0] job state, [1] 1 once the worker has built its model. */
const STATE = 0;
const READY = 1;
const MESSAGE_BYTES = 4096;
const START_TIMEOUT_MS = 120_000;

/** What a worker needs to rebuild the trainer's model on shared memory (see train-worker.ts). */
export interface WorkerSetup {
  config: LlamaConfig;
  params: SharedArrayBuffer;
  paramsOffset: number;
  lora: { config: LoraConfig; params: SharedArrayBuffer; offset: number; length: number } | null;
  grad: SharedArrayBuffer;
  control: SharedArrayBuffer;
  result: SharedArrayBuffer;
  message: SharedArrayBuffer;
  kernels: string;
  maxB: number;
  maxT: number;
}

interface Handle {
  worker: Worker;
  control: Int32Array;
  result: Float64Array;
  message: Uint8Array;
  grad: Float32Array;
}

const WORKER_URL = new URL('./train-worker.js', import.meta.url);

/** Whether worker threads can run here: the model's weights are shared and the compiled worker script exists. */
export function parallelAvailable(model: LlamaModel): boolean {
  const shared = (a: Float32Array): boolean => a.buffer instanceof SharedArrayBuffer;
  return shared(model.params) && (!model.adapter || shared(model.adapter.params)) && existsSync(fileURLToPath(WORKER_URL));
}

export class GradientWorkers {
  private readonly handles: Handle[] = [];

  /** Starts `count` workers for the model (and its attached adapter) with workspaces of maxB x maxT. */
  constructor(model: LlamaModel, count: number, maxB: number, maxT: number) {
    const adapter = model.adapter;
    const size = adapter ? adapter.params.length : model.params.length;
    for (let i = 0; i < count; i++) {
      const setup: WorkerSetup = {
        config: model.config,
        params: model.params.buffer as SharedArrayBuffer,
        paramsOffset: model.params.byteOffset,
        lora: adapter
          ? {
              config: adapter.config,
              params: adapter.params.buffer as SharedArrayBuffer,
              offset: adapter.params.byteOffset,
              length: adapter.params.length,
            }
          : null,
        grad: new SharedArrayBuffer(size * Float32Array.BYTES_PER_ELEMENT),
        control: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
        result: new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT),
        message: new SharedArrayBuffer(MESSAGE_BYTES),
        kernels: model.kernels.name,
        maxB,
        maxT,
      };
      const worker = new Worker(WORKER_URL, { workerData: setup });
      // A worker never keeps the process alive; close() ends it after training.
      worker.unref();
      this.handles.push({
        worker,
        control: new Int32Array(setup.control),
        result: new Float64Array(setup.result),
        message: new Uint8Array(setup.message),
        grad: new Float32Array(setup.grad),
      });
    }
  }

  get size(): number {
    return this.handles.length;
  }

  /** Sends a job to worker i; collect it with {@link finish}. */
  start(i: number, job: GradientJob): void {
    const h = this.handles[i]!;
    Atomics.store(h.control, STATE, PENDING);
    h.worker.postMessage(job);
  }

  /** Waits for worker i's job and returns its loss; a failure in the worker is rethrown here. */
  finish(i: number): number {
    const h = this.handles[i]!;
    if (Atomics.load(h.control, READY) === 0 && Atomics.wait(h.control, READY, 0, START_TIMEOUT_MS) === 'timed-out') {
      throw new Error(`training worker ${i} did not start within ${START_TIMEOUT_MS / 1000} s`);
    }
    while (Atomics.load(h.control, STATE) === PENDING) Atomics.wait(h.control, STATE, PENDING);
    if (Atomics.load(h.control, STATE) === FAILED) {
      const end = h.message.indexOf(0);
      throw new Error(`training worker ${i} failed: ${new TextDecoder().decode(h.message.slice(0, end < 0 ? undefined : end))}`);
    }
    return h.result[0]!;
  }

  /**
   * grad += the gradients of the given workers (in worker order, so sums are reproducible); returns the sum of the
   * squares of the result (the step's gradient norm squared), computed in the same pass as the last addition.
   */
  addGradients(grad: Float32Array, workers: readonly number[], kernels: Pick<Kernels, 'addSumSquares'>): number {
    let sumSquares = 0;
    for (const i of workers) sumSquares = kernels.addSumSquares(grad, this.handles[i]!.grad, grad.length);
    return workers.length > 0 ? sumSquares : kernels.addSumSquares(grad, null, grad.length);
  }

  /** Ends the workers. */
  close(): void {
    for (const h of this.handles) void h.worker.terminate();
    this.handles.length = 0;
  }
}

/** Shared-memory protocol, for the worker side. */
export const WORKER_PROTOCOL = { STATE, READY, DONE, FAILED, MESSAGE_BYTES } as const;
