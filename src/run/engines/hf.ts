// `w2s run` on the Hugging Face engine: every model trains and generates in a Python sidecar (PyTorch + transformers +
// PEFT), from the same checkpoint folders the built-in engine reads and writes. On a machine without GPUs strong jobs
// run side by side, as many at a time as the run has workers, each process with one CPU thread; with GPUs, one at a
// time, each with every GPU (accelerate) or the first.
import { HfGenerator } from '../../backends/hf/generator.js';
import { checkHfEnvironment } from '../../backends/hf/python.js';
import { HfTrainer } from '../../backends/hf/trainer.js';
import type { Precision } from '../../backends/hf/train-request.js';
import type { ModelRef } from '../../backends/types.js';
import type { RunEngine } from './types.js';

export interface HfRunSettings {
  python?: string;
  /** An accelerate config (shipped name or file) for training; absent: one plain process. */
  accelerate?: string;
  precision?: Precision;
  /** Jobs side by side. */
  workers: number;
  /** Where the sidecars' own messages go (default: our stderr). */
  stderr?: (line: string) => void;
}

export function hfRunEngine(settings: HfRunSettings): RunEngine {
  // On CPU each process keeps to one thread so that `workers` processes share the cores instead of fighting for them.
  const env = { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const common = {
    ...(settings.python !== undefined ? { python: settings.python } : {}),
    ...(settings.precision !== undefined ? { precision: settings.precision } : {}),
    ...(settings.stderr ? { stderr: settings.stderr } : {}),
    env,
  };
  const trainer = new HfTrainer({ ...common, ...(settings.accelerate !== undefined ? { accelerate: settings.accelerate } : {}) });
  const open = (model: ModelRef): Promise<HfGenerator> =>
    HfGenerator.open({ ...common, model: model.checkpoint, ...(model.adapter !== undefined ? { adapter: model.adapter } : {}) });
  let semaphore: Promise<Semaphore> | undefined;
  const jobSlots = (): Promise<Semaphore> =>
    (semaphore ??= checkHfEnvironment(settings.python).then((info) => new Semaphore(info.devices > 0 ? 1 : settings.workers)));
  return {
    name: 'hf',
    trainer,
    open,
    pipelinesCells: false,
    strongJob: async (job, onStep) => {
      const slots = await jobSlots();
      const steps = onStep && slots.size === 1 ? { onStep: (p: { step: number; totalSteps: number }) => onStep(p.step, p.totalSteps) } : {};
      return slots.run(async () => {
        const start = performance.now();
        const outcome = job.train ? await trainer.train(job.base, job.train.rows, job.train.settings, job.train.outDir, steps) : null;
        const model = outcome?.model ?? job.base;
        const trainSeconds = (performance.now() - start) / 1000;
        const opened = await open(model);
        try {
          const outputs = (await opened.generateAll(job.prompts, job.decoding)).map((c) => c.text);
          return { outputs, trainSeconds, trainSteps: outcome?.steps ?? 0, seconds: (performance.now() - start) / 1000 };
        } finally {
          await opened.close();
        }
      });
    },
    close: async () => {},
  };
}

/** At most `size` tasks at once; the others wait in order. */
class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
