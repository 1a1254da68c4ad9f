// The engine `w2s run` trains and generates with, behind one interface: the built-in engine (worker threads in this
// process) or the Hugging Face sidecar (Python processes). The experiment's stages do not know which one runs them.
import type { EngineDecoding, ModelRef, SftSettings } from '../../backends/builtin.js';
import type { BulkGenerator, Trainer } from '../../backends/types.js';
import type { SftRow } from '../../core/types.js';

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
  /** Optimizer steps of the training (0 when the job had no rows to train on). */
  trainSteps: number;
  seconds: number;
}

/** Optimizer steps done of a training's total. */
export type OnStep = (step: number, totalSteps: number) => void;

export interface RunEngine {
  /** `builtin` or `hf`. */
  readonly name: string;
  /** Fine-tunes a model and says where it is (backends' Trainer: the built-in engine or the sidecar). */
  readonly trainer: Trainer;
  /** Load a model for generation (backends' Generator, with bulk generation). */
  open(model: ModelRef): Promise<BulkGenerator>;
  /**
   * Run a strong model's job; jobs given together run side by side, as many as the engine has workers. `onStep` hears
   * of the training's steps where jobs run one at a time (long trainings on GPUs), and never where they share a line.
   */
  strongJob(job: StrongJob, onStep?: OnStep): Promise<StrongJobResult>;
  /**
   * Whether a cell's weak stages may run while earlier cells' strong jobs still do: the built-in engine's threads share
   * the cores, so the cores never wait for a stage; never with the sidecar, where on a GPU two models would share one
   * device's memory.
   */
  readonly pipelinesCells: boolean;
  close(): Promise<void>;
}

/** A model opened on its first use; closing one never used does nothing. */
export function lazyModel(engine: RunEngine, model: ModelRef): OpenModel {
  let opened: Promise<BulkGenerator> | undefined;
  return {
    generate: async (prompts, decoding) => {
      const generator = await (opened ??= engine.open(model));
      return (await generator.generateAll(prompts, decoding)).map((c) => c.text);
    },
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}
