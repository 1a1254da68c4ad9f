// The paper's models by short name (docs/method.md, "Training") and its training defaults (App. C). Only names:
// the weights come from the user's own Hugging Face cache or hub access.
import { PAPER_LORA } from '../../engine/lora.js';
import type { SftSettings } from '../types.js';

/** Short names of the paper's four models and their hub ids. */
export const MODEL_PRESETS = {
  'llama2-7b': 'meta-llama/Llama-2-7b-hf',
  'llama2-13b': 'meta-llama/Llama-2-13b-hf',
  'mistral-7b': 'mistralai/Mistral-7B-v0.1',
  'llama3-8b': 'meta-llama/Meta-Llama-3-8B',
} as const;
export type ModelPreset = keyof typeof MODEL_PRESETS;

/** The paper's weak -> strong pairs, in the order of its tables. */
export const MODEL_PAIRS: readonly { weak: ModelPreset; strong: ModelPreset }[] = [
  { weak: 'llama2-7b', strong: 'llama2-13b' },
  { weak: 'llama2-7b', strong: 'mistral-7b' },
  { weak: 'llama2-7b', strong: 'llama3-8b' },
  { weak: 'mistral-7b', strong: 'llama3-8b' },
];

/** Whether `name` is one of the presets. */
export function isModelPreset(name: string): name is ModelPreset {
  return Object.hasOwn(MODEL_PRESETS, name);
}

/** A preset's hub id; any other name (a folder, a hub id) is returned unchanged. */
export function resolveModelName(name: string): string {
  return isModelPreset(name) ? MODEL_PRESETS[name] : name;
}

/**
 * App. C: LoRA r 16 / alpha 32 / dropout 0.05 on q_proj and v_proj, learning rate 5e-5, batch 24, 3 epochs; the rest
 * as Hugging Face Trainer's defaults (linear decay without warmup). Seed 0 is ours.
 */
export const PAPER_SFT: Readonly<SftSettings> = Object.freeze({
  learningRate: 5e-5,
  batchSize: 24,
  epochs: 3,
  schedule: 'linear',
  warmupSteps: 0,
  lora: PAPER_LORA,
  seed: 0,
});
