// `w2s run` on the built-in engine: weak models train and generate in this thread; strong jobs run in a pool of
// worker threads, one per core, side by side (their steps are not reported: they take seconds).
import { generateTexts, loadModel, trainSft } from '../backends/builtin.js';
import { JobPool } from './jobs.js';
import type { RunEngine } from './run-engine.js';

export function builtinRunEngine(workers: number): RunEngine {
  const pool = new JobPool(workers);
  return {
    name: 'builtin',
    train: (base, rows, settings, outDir, onStep) => trainSft(base, rows, settings, outDir, onStep ? { onStep: (info) => onStep(info.step, info.totalSteps) } : {}),
    open: async (model) => {
      const loaded = loadModel(model);
      return { generate: (prompts, decoding) => generateTexts(loaded, prompts, decoding), close: async () => {} };
    },
    strongJob: async (job) => {
      const result = await pool.run({
        model: job.base,
        ...(job.train ? { train: { rows: job.train.rows, settings: job.train.settings, outDir: job.train.outDir } } : {}),
        generate: { prompts: job.prompts, decoding: job.decoding },
      });
      return { outputs: result.outputs, trainSeconds: result.trainSeconds, seconds: result.seconds };
    },
    close: () => pool.close(),
  };
}
