// `w2s run` on the built-in engine: weak models train in a worker thread (BuiltinTrainer) and generate in this one
// (BuiltinGenerator); strong jobs run in a pool of worker threads, one per core, side by side (their steps are not
// reported: they take seconds). A cell's weak stages run while earlier cells' strong jobs do (pipelinesCells).
import { BuiltinGenerator } from '../../backends/builtin-generator.js';
import { BuiltinTrainer } from '../../backends/builtin-trainer.js';
import { JobPool } from './jobs.js';
import type { RunEngine } from './types.js';

export function builtinRunEngine(workers: number): RunEngine {
  const pool = new JobPool(workers);
  return {
    name: 'builtin',
    trainer: new BuiltinTrainer(),
    open: async (model) => BuiltinGenerator.open(model, { name: model.adapter ?? model.checkpoint, concurrency: 1 }),
    pipelinesCells: true,
    strongJob: async (job) => {
      const result = await pool.run({
        model: job.base,
        ...(job.train ? { train: { rows: job.train.rows, settings: job.train.settings, outDir: job.train.outDir } } : {}),
        generate: { prompts: job.prompts, decoding: job.decoding },
      });
      return { outputs: result.outputs, trainSeconds: result.trainSeconds, trainSteps: result.trainSteps, seconds: result.seconds };
    },
    close: () => pool.close(),
  };
}
