// The paper's four tasks by name, and the synthetic suite's four families, for the CLI and the pipeline.
import type { PermutationMode } from '../core/variations.js';
import type { ParaphraseProvider } from '../core/variations.js';
import { ethicsTask } from './ethics.js';
import { gsm8kTask } from './gsm8k.js';
import { hellaswagTask } from './hellaswag.js';
import { mmluTask, type MmluTrainSource } from './mmlu.js';
import { arithmeticTask } from './synthetic/arithmetic.js';
import { continuationTask } from './synthetic/continuation.js';
import { judgementTask } from './synthetic/judgement.js';
import { knowledgeTask } from './synthetic/knowledge.js';
import type { Task } from './types.js';
import { isSyntheticTaskName, isTaskName, unknownTask, type SyntheticTaskName } from './names.js';

// The names live in names.ts, which the CLI's declarations import without loading the tasks.
export { isSyntheticTaskName, isTaskName, SYNTHETIC_TASK_NAMES, TASK_NAMES, type SyntheticTaskName, type TaskName } from './names.js';

/** Options a task may take; each task reads the ones that concern it. */
export interface TaskOptions {
  /** Multiple choice: how the N option orders are chosen (default `original-first`). */
  permutationMode?: PermutationMode;
  /** MMLU: the source split our train split is (default `auxiliary_train`). */
  mmluTrainSource?: MmluTrainSource;
  /** GSM8K: where paraphrases come from (default: the built-in template paraphrases). */
  paraphraser?: ParaphraseProvider;
}

/** The task called `name`; an unknown name is bad input (exit code 2) that lists the known ones. */
export function getTask(name: string, options: TaskOptions = {}): Task {
  if (isSyntheticTaskName(name)) return getSyntheticTask(name, options);
  switch (isTaskName(name) ? name : undefined) {
    case 'hellaswag':
      return hellaswagTask({ permutationMode: options.permutationMode });
    case 'mmlu':
      return mmluTask({ permutationMode: options.permutationMode, trainSource: options.mmluTrainSource });
    case 'ethics':
      return ethicsTask();
    case 'gsm8k':
      return gsm8kTask({ paraphraser: options.paraphraser });
    default:
      throw unknownTask(name);
  }
}

// Synthetic records carry their own ids and golds; these tasks are generic over them like the paper's four.
function getSyntheticTask(name: SyntheticTaskName, options: TaskOptions): Task {
  const mc = options.permutationMode ? { permutationMode: options.permutationMode } : {};
  switch (name) {
    case 'synthetic-knowledge':
      return knowledgeTask(mc);
    case 'synthetic-continuation':
      return continuationTask(mc);
    case 'synthetic-judgement':
      return judgementTask();
    case 'synthetic-arithmetic':
      return arithmeticTask();
  }
}
