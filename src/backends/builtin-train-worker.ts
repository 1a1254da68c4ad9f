// A worker thread that runs one training of the built-in engine, so that the thread that started it stays free to
// show progress and to stop it (Worker.terminate) when the user presses Ctrl-C.
import { parentPort, workerData } from 'node:worker_threads';
import type { SftRow } from '../core/types.js';
import { postedError, type PostedError } from '../errors.js';
import { trainSft } from './builtin.js';
import type { ModelRef, SftSettings } from './types.js';

export interface TrainJob {
  base: ModelRef;
  rows: SftRow[];
  settings: SftSettings;
  outDir: string;
}

export type TrainWorkerMessage =
  | { type: 'step'; step: number; totalSteps: number; loss: number; learningRate: number }
  | { type: 'done'; outcome: Awaited<ReturnType<typeof trainSft>> }
  | { type: 'error'; error: PostedError };

const job = workerData as TrainJob;
const post = (message: TrainWorkerMessage): void => parentPort?.postMessage(message);
try {
  const outcome = await trainSft(job.base, job.rows, job.settings, job.outDir, {
    onStep: (info) => post({ type: 'step', step: info.step, totalSteps: info.totalSteps, loss: info.loss, learningRate: info.learningRate }),
  });
  post({ type: 'done', outcome });
} catch (error) {
  post({ type: 'error', error: postedError(error) });
}
