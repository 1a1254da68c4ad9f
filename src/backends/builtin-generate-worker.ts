// A worker thread that holds one model of the built-in engine and generates the batches its parent sends, so that the
// parent's event loop (an HTTP server) stays free while a batch runs. The parent stops a running batch by writing its
// number into the shared `stop` cell; the engine looks at it before each new token.
import { parentPort, workerData } from 'node:worker_threads';
import { GenerationStopped } from '../engine/generate.js';
import { postedError, type PostedError } from '../errors.js';
import { completeIds, loadModel, type EngineDecoding } from './builtin.js';
import { STOP_EVERY_BATCH } from './builtin-generate-thread.js';
import type { Completion, ModelRef } from './types.js';

export interface GenerateWorkerData {
  ref: ModelRef;
  /** Int32Array over it: [0] = the number of the batch to stop. */
  stop: SharedArrayBuffer;
}

export interface GenerateBatch {
  batch: number;
  ids: number[][];
  decoding: EngineDecoding;
}

export type GenerateWorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; batch: number; completions: Completion[] }
  | { type: 'stopped'; batch: number }
  | { type: 'error'; batch: number | null; error: PostedError };

const { ref, stop } = workerData as GenerateWorkerData;
const stopCell = new Int32Array(stop);
const port = parentPort!;

function failure(batch: number | null, error: unknown): GenerateWorkerMessage {
  return { type: 'error', batch, error: postedError(error) };
}

try {
  const loaded = loadModel(ref);
  port.on('message', (job: GenerateBatch) => {
    const stopped = (): boolean => {
      const batch = Atomics.load(stopCell, 0);
      return batch === job.batch || batch === STOP_EVERY_BATCH;
    };
    completeIds(loaded, job.ids, job.decoding, stopped).then(
      (completions) => port.postMessage({ type: 'done', batch: job.batch, completions } satisfies GenerateWorkerMessage),
      (error: unknown) =>
        port.postMessage(error instanceof GenerationStopped ? ({ type: 'stopped', batch: job.batch } satisfies GenerateWorkerMessage) : failure(job.batch, error)),
    );
  });
  port.postMessage({ type: 'ready' } satisfies GenerateWorkerMessage);
} catch (error) {
  port.postMessage(failure(null, error));
}
