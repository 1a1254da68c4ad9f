// The engine `w2s run` trains and generates with, behind one interface: the built-in engine (worker threads in this
// process) or the Hugging Face sidecar (Python processes). The experiment's stages do not know which one runs them.
import type { EngineDecoding, ModelRef, SftOutcome, SftSettings } from '../backends/builtin.js';
import type { SftRow } from '../core/types.js';
import type { RunConfig } from './run-config.js';

/** Outputs for prompts, in order (greedy when the decoding's temperature is 0). */
export type GenerateTexts = (prompts: readonly string[], decoding: EngineDecoding) => Promise<string[]>;

/** A model ready to generate; `close` releases it (a worker, a process). */
export interface OpenModel {
  generate: GenerateTexts;
  close(): Promise<void>;
}

/** A strong model's job: fine-tune (unless there are no rows), then answer the test prompts. */
export interface StrongJob {
  base: ModelRef;
  train?: { rows: SftRow[]; settings: SftSettings; outDir: string };
  prompts: string[];
  decoding: EngineDecoding;
}

export interface StrongJobResult {
  outputs: string[];
  trainSeconds: number;
  seconds: number;
}

/** Optimizer steps done of a training's total. */
export type OnStep = (step: number, totalSteps: number) => void;

export interface RunEngine {
  /** `builtin` or `hf`. */
  readonly name: string;
  /** Fine-tune a model and return where it is. */
  train(base: ModelRef, rows: readonly SftRow[], settings: SftSettings, outDir: string, onStep?: OnStep): Promise<SftOutcome>;
  /** Load a model for generation. */
  open(model: ModelRef): Promise<OpenModel>;
  /**
   * Run a strong model's job; jobs given together run side by side, as many as the engine has workers. `onStep` hears
   * of the training's steps where jobs run one at a time (long trainings on GPUs), and never where they share a line.
   */
  strongJob(job: StrongJob, onStep?: OnStep): Promise<StrongJobResult>;
  close(): Promise<void>;
}

/** The engine a run's configuration names (each imported on demand: neither loads what the other needs). */
export async function createRunEngine(config: Pick<RunConfig, 'engine' | 'hf' | 'workers'>): Promise<RunEngine> {
  if (config.engine === 'hf') {
    const { hfRunEngine } = await import('./hf-run-engine.js');
    return hfRunEngine({ ...config.hf, workers: config.workers });
  }
  const { builtinRunEngine } = await import('./builtin-run-engine.js');
  return builtinRunEngine(config.workers);
}

/** A model opened on its first use; closing one never used does nothing. */
export function lazyModel(engine: RunEngine, model: ModelRef): OpenModel {
  let opened: Promise<OpenModel> | undefined;
  return {
    generate: async (prompts, decoding) => (await (opened ??= engine.open(model))).generate(prompts, decoding),
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}
