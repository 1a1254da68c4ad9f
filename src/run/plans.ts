// What each task of `w2s run` is made of: its questions (train, val, test), how it is asked and parsed, and the two
// models with their SFT recipes. Two sources: the embedded synthetic suite (base models pretrained here, shipped or
// cached) and the paper's datasets with the user's own models (checkpoint folders, hub ids or the paper's presets).
import { resolve } from 'node:path';
import type { EngineDecoding } from '../backends/builtin.js';
import { PAPER_SFT } from '../backends/hf/presets.js';
import { DEFAULT_DECODING, type ModelRef } from '../backends/types.js';
import { cacheDirFromEnv } from '../hub/download.js';
import type { StepInfo } from '../engine/train.js';
import { getFamily } from '../tasks/synthetic/families.js';
import { isFamilyName, taskNameOf } from '../tasks/synthetic/family.js';
import { SUITE_CONTROL, SUITE_DEFAULT, SUITE_QUICK, type SftRecipe, type SuiteConfig } from '../tasks/synthetic/suite.js';
import { suiteTokenizer } from '../tasks/synthetic/vocabulary.js';
import { buildWorld } from '../tasks/synthetic/world.js';
import { getTask, isTaskName } from '../tasks/registry.js';
import type { Question, Task, VariationKind } from '../tasks/types.js';
import { ensureBases } from './bases.js';
import { sftRecipeOverrides, type RunConfig } from './config.js';
import { loadSplits } from '../datasets/split-records.js';
import { ANSWER_DECODING, type AnswerKind } from './weak-labels.js';

export interface Splits {
  train: Question[];
  val: Question[];
  test: Question[];
}

/** One task of a run, ready for its cells (one per seed). */
export interface TaskPlan {
  /** The task's key in results.json. */
  key: string;
  /** Its folder under models/ and labels/, and its prefix in the stage records. */
  name: string;
  task: Task;
  splits: Splits;
  kind: AnswerKind;
  /** N, the prompt variations per question. */
  variations: number;
  /** How the models answer (labels and test). */
  decoding: EngineDecoding;
  weak: { base: ModelRef; recipe: SftRecipe };
  strong: { base: ModelRef; recipe: SftRecipe };
}

/** A run's tasks; a plan is built when its turn comes (the paper's datasets are read then). */
export interface ExperimentSetup {
  /** What results.json and the report call the run (the suite, or the model pair). */
  label: string;
  taskNames: readonly string[];
  plan(name: string): Promise<TaskPlan>;
}

/** Progress of the setup's own work (pretraining the suite's bases). */
export type SetupProgress = (stage: string, done: number, total: number) => void;

/** The setup a run configuration describes. */
export async function experimentSetup(config: RunConfig, progress: SetupProgress): Promise<ExperimentSetup> {
  return config.tasks.every(isFamilyName) ? syntheticSetup(config, progress) : paperSetup(config);
}

/** The suite a run configuration names, with its SFT overrides applied. */
export function suiteFor(config: RunConfig): SuiteConfig {
  const base = { default: SUITE_DEFAULT, control: SUITE_CONTROL, quick: SUITE_QUICK }[config.suite];
  return {
    ...base,
    weak: { ...base.weak, sft: { ...base.weak.sft, ...sftRecipeOverrides(config.weak_sft) } },
    strong: { ...base.strong, sft: { ...base.strong.sft, ...sftRecipeOverrides(config.strong_sft) } },
  };
}

async function syntheticSetup(config: RunConfig, progress: SetupProgress): Promise<ExperimentSetup> {
  const suite = suiteFor(config);
  const world = buildWorld(suite.worldSeed, suite.world);
  const bases = await ensureBases(world, suiteTokenizer(world), suite, (role: string, info: StepInfo, resumedFrom: number | null) =>
    progress(`pretrain ${role} base${resumedFrom === null ? '' : ` (resumed at step ${resumedFrom})`}`, info.step, info.totalSteps),
  );
  return {
    label: suite.name,
    taskNames: config.tasks,
    plan: async (name) => {
      if (!isFamilyName(name)) throw new RangeError(`not a family of the suite: ${name}`);
      const family = getFamily(name);
      const sizes = suite.questions[family.name];
      // Only the weak model's SFT split carries the suite's answer key (the premise, or not).
      const goldFirst = family.slots === 4 ? suite.weakTrainGoldFirst.multipleChoice : family.slots === 2 ? suite.weakTrainGoldFirst.binary : undefined;
      return {
        key: taskNameOf(family.name),
        name: family.name,
        task: family.task,
        splits: {
          train: family.records(world, 'train', { count: sizes.train, ...(goldFirst !== undefined ? { goldFirst } : {}) }),
          val: family.records(world, 'val', { count: sizes.val }),
          test: family.records(world, 'test', { count: sizes.test }),
        },
        kind: ANSWER_KINDS[family.task.variationKind],
        variations: config.variations[family.name] ?? suite.variations[family.name],
        decoding: ANSWER_DECODING,
        weak: { base: { checkpoint: bases.weak }, recipe: suite.weak.sft },
        strong: { base: { checkpoint: bases.strong }, recipe: suite.strong.sft },
      };
    },
  };
}

const ANSWER_KINDS: Record<VariationKind, AnswerKind> = { permutation: 'multiple-choice', 'label-swap': 'binary', paraphrase: 'numeric' };

/**
 * The paper's tasks with the user's models. Both models are fine-tuned with the paper's App. C recipe (LoRA r16,
 * lr 5e-5, batch 24, 3 epochs) unless the run overrides it; they answer with `w2s label`'s default decoding. Splits
 * are the tasks' App. B splits (seed 0, as `w2s label` makes them); GSM8K's variations are the built-in template
 * paraphrases (the paper's LLM paraphrases: `w2s label --paraphraser llm`).
 */
function paperSetup(config: RunConfig): ExperimentSetup {
  const weakModel = config.weak_model as string;
  const strongModel = config.strong_model as string;
  const recipe = (overrides: RunConfig['weak_sft']): SftRecipe => ({
    learningRate: PAPER_SFT.learningRate,
    batchSize: PAPER_SFT.batchSize,
    epochs: PAPER_SFT.epochs ?? 3,
    warmupSteps: PAPER_SFT.warmupSteps ?? 0,
    lora: PAPER_SFT.lora,
    ...sftRecipeOverrides(overrides),
  });
  const source = { data: config.data, cacheDir: resolve(cacheDirFromEnv()), seed: 0 };
  return {
    label: `${weakModel} -> ${strongModel}`,
    taskNames: config.tasks,
    plan: async (name) => {
      if (!isTaskName(name)) throw new RangeError(`not one of the paper's tasks: ${name}`);
      const task = getTask(name, { mmluTrainSource: config.mmlu_train_source }) as Task;
      const loaded = await loadSplits(task, ['train', 'val', 'test'], source);
      const take = (split: 'train' | 'val' | 'test'): Question[] => (loaded[split] as Question[]).slice(0, config.limit);
      return {
        key: task.name,
        name: task.name,
        task,
        splits: { train: take('train'), val: take('val'), test: take('test') },
        kind: ANSWER_KINDS[task.variationKind],
        variations: config.variations[name] ?? task.defaultVariations,
        decoding: { ...DEFAULT_DECODING, stop: [...DEFAULT_DECODING.stop], batchSize: 32 },
        weak: { base: { checkpoint: weakModel }, recipe: recipe(config.weak_sft) },
        strong: { base: { checkpoint: strongModel }, recipe: recipe(config.strong_sft) },
      };
    },
  };
}
