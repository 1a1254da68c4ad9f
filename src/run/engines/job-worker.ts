// A worker thread of the job pool: trains and/or generates with the built-in engine, one job at a time.
import { parentPort } from 'node:worker_threads';
import { generateTexts, loadModel, trainSft } from '../../backends/builtin.js';
import { getKernels } from '../../engine/kernels/index.js';
import type { JobRequest, JobResponse } from './jobs.js';

// Jobs run side by side, one per core: each keeps BLAS to one thread so they do not fight over the cores.
const kernels = getKernels() as { setThreads?: (n: number) => void };
kernels.setThreads?.(1);

parentPort?.on('message', async (request: JobRequest) => {
  let response: JobResponse;
  try {
    const start = performance.now();
    let model = request.model;
    let trainSeconds = 0;
    let trainSteps = 0;
    if (request.train) {
      const outcome = await trainSft(model, request.train.rows, request.train.settings, request.train.outDir);
      model = outcome.model;
      trainSeconds = outcome.seconds;
      trainSteps = outcome.steps;
    }
    const outputs = request.generate ? await generateTexts(loadModel(model), request.generate.prompts, request.generate.decoding) : [];
    response = { id: request.id, ok: true, model, outputs, trainSeconds, trainSteps, seconds: (performance.now() - start) / 1000 };
  } catch (error) {
    response = { id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort?.postMessage(response);
});
