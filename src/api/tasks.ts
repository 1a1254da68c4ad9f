// `w2s/tasks`: the paper's four tasks and the synthetic suite's families: their App. B prompts, prompt variations,
// output parsers and answer rendering, and the readers of their dataset files (docs/method.md, App. B).
export {
  getTask,
  isSyntheticTaskName,
  isTaskName,
  SYNTHETIC_TASK_NAMES,
  TASK_NAMES,
  type SyntheticTaskName,
  type TaskName,
  type TaskOptions,
} from '../tasks/registry.js';
export type { Question, RowContext, RowFormat, SplitName, SplitPlan, SplitRule, Task, VariationKind } from '../tasks/types.js';
export { mmluPrompt, mmluTask, type MmluOptions, type MmluRecord, type MmluTrainSource } from '../tasks/mmlu.js';
export { hellaswagPrompt, hellaswagTask, type HellaSwagOptions, type HellaSwagRecord } from '../tasks/hellaswag.js';
export { ethicsPrompt, ethicsTask, type EthicsRecord } from '../tasks/ethics.js';
export { gsm8kGold, gsm8kPrompt, gsm8kTask, type Gsm8kOptions, type Gsm8kRecord } from '../tasks/gsm8k.js';
export { LETTERS, letterOf, parseOptionAnswer, parseOptionLetter, renderOptionContent, renderOptionLetter } from '../tasks/multiple-choice.js';
export { firstNumber, parseFirstLineNumber } from '../tasks/numeric.js';
export { templateParaphrases, templateParaphraser } from '../tasks/paraphrase-template.js';
export { allPermutations, applyPermutation, choosePermutations, labelWordOrders, type ParaphraseProvider, type PermutationMode } from '../core/variations.js';
export { questionVariations, variationsOf } from '../label/variations.js';
export { loadSplitRecords, type SplitSource } from '../datasets/split-records.js';
