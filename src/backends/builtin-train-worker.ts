// A worker thread that runs one training of the built-in engine, so that the thread that started it stays free to
// show progress and to stop it (Worker.terminate) when the user presses Ctrl-C.
import { parentPort, workerData } from 'node:worker_threads';
import type { SftRow } from '../core/types.js';
import { W2sError } from '../errors.js';
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
  | {
      type: 'error';
      message: string;
      w2s: { detail: string; location: W2sError['location']; exitCode: number } | null;
      /** A file-system error's fields, so the parent reports it as one (disk full: the file and the cause). */
      system: { code: string; syscall?: string; path?: string } | null;
    };

const job = workerData as TrainJob;
const post = (message: TrainWorkerMessage): void => parentPort?.postMessage(message);
try {
  const outcome = await trainSft(job.base, job.rows, job.settings, job.outDir, {
    onStep: (info) => post({ type: 'step', step: info.step, totalSteps: info.totalSteps, loss: info.loss, learningRate: info.learningRate }),
  });
  post({ type: 'done', outcome });
} catch (error) {
  post({
    type: 'error',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    w2s: error instanceof W2sError ? { detail: error.detail, location: error.location, exitCode: error.exitCode } : null,
    system: systemFields(error),
  });
}

function systemFields(error: unknown): { code: string; syscall?: string; path?: string } | null {
  const e = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof e.code !== 'string') return null;
  return { code: e.code, ...(e.syscall !== undefined ? { syscall: e.syscall } : {}), ...(e.path !== undefined ? { path: e.path } : {}) };
}
