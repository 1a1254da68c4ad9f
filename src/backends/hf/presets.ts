// The paper's models by short name (docs/method.md, "Training"), current open models beside them, and the paper's
// training defaults (App. C). Only names: the weights come from the user's own Hugging Face cache or hub access.
import { PAPER_LORA } from '../../engine/lora.js';
import type { SftSettings } from '../types.js';

/** Short names of the paper's four models and their hub ids. */
export const PAPER_PRESETS = {
  'llama2-7b': 'meta-llama/Llama-2-7b-hf',
  'llama2-13b': 'meta-llama/Llama-2-13b-hf',
  'mistral-7b': 'mistralai/Mistral-7B-v0.1',
  'llama3-8b': 'meta-llama/Meta-Llama-3-8B',
} as const;

/**
 * Current open base models (pretrained, not instruction-tuned, as the paper's are: its App. B prompts are raw text),
 * by family, weak to strong within each. They need the newer transformers of python/setup-venv-current.sh (Llama 3.1's
 * rope scaling, Qwen 2.5 and 3, Gemma 2); the 70B-class ones do not fit one GPU even with LoRA: python/README.md,
 * "Beyond one node".
 */
export const CURRENT_PRESETS = {
  'llama3.2-1b': 'meta-llama/Llama-3.2-1B',
  'llama3.2-3b': 'meta-llama/Llama-3.2-3B',
  'llama3.1-8b': 'meta-llama/Llama-3.1-8B',
  'llama3.1-70b': 'meta-llama/Llama-3.1-70B',
  'qwen2.5-0.5b': 'Qwen/Qwen2.5-0.5B',
  'qwen2.5-1.5b': 'Qwen/Qwen2.5-1.5B',
  'qwen2.5-7b': 'Qwen/Qwen2.5-7B',
  'qwen2.5-72b': 'Qwen/Qwen2.5-72B',
  'qwen3-0.6b': 'Qwen/Qwen3-0.6B-Base',
  'qwen3-1.7b': 'Qwen/Qwen3-1.7B-Base',
  'qwen3-8b': 'Qwen/Qwen3-8B-Base',
  'qwen3-14b': 'Qwen/Qwen3-14B-Base',
  'mistral-7b-v0.3': 'mistralai/Mistral-7B-v0.3',
  'mistral-nemo-12b': 'mistralai/Mistral-Nemo-Base-2407',
  'gemma2-2b': 'google/gemma-2-2b',
  'gemma2-9b': 'google/gemma-2-9b',
  'gemma2-27b': 'google/gemma-2-27b',
} as const;

/**
 * Instruction-tuned (chat) models of the current families: they expect their chat template, so the Hugging Face engine
 * renders prompts and training rows with it for these by default (python/w2s_hf/tokens.py). Not the paper's setting,
 * which prompts base models with raw text (docs/method.md).
 */
export const INSTRUCT_PRESETS = {
  'llama3.2-1b-instruct': 'meta-llama/Llama-3.2-1B-Instruct',
  'llama3.2-3b-instruct': 'meta-llama/Llama-3.2-3B-Instruct',
  'llama3.1-8b-instruct': 'meta-llama/Llama-3.1-8B-Instruct',
  'qwen2.5-0.5b-instruct': 'Qwen/Qwen2.5-0.5B-Instruct',
  'qwen2.5-1.5b-instruct': 'Qwen/Qwen2.5-1.5B-Instruct',
  'qwen2.5-7b-instruct': 'Qwen/Qwen2.5-7B-Instruct',
  'mistral-7b-instruct-v0.3': 'mistralai/Mistral-7B-Instruct-v0.3',
} as const;

/** Every preset: the paper's, the current base and the current instruct ones. */
export const MODEL_PRESETS = { ...PAPER_PRESETS, ...CURRENT_PRESETS, ...INSTRUCT_PRESETS } as const;
export type ModelPreset = keyof typeof MODEL_PRESETS;

/** Whether `name` is an instruct preset, a chat model. */
export function isChatPreset(name: string): name is keyof typeof INSTRUCT_PRESETS {
  return Object.hasOwn(INSTRUCT_PRESETS, name);
}

/** Whether the hf engine renders with the chat template: as asked (--chat-template), else for instruct presets only. */
export function usesChatTemplate(model: string, requested?: boolean): boolean {
  return requested === true || isChatPreset(model);
}

/**
 * The architecture family of each current preset, as python/checks/tiny_models.py names it: its tiny random
 * checkpoint proves loading, LoRA targets, Eq. 5 training and generation in test/backends/hf/architectures.test.ts.
 */
export const PRESET_ARCHITECTURES: Readonly<Record<keyof typeof CURRENT_PRESETS, string>> = {
  'llama3.2-1b': 'llama3',
  'llama3.2-3b': 'llama3',
  'llama3.1-8b': 'llama3',
  'llama3.1-70b': 'llama3',
  'qwen2.5-0.5b': 'qwen2',
  'qwen2.5-1.5b': 'qwen2',
  'qwen2.5-7b': 'qwen2',
  'qwen2.5-72b': 'qwen2',
  'qwen3-0.6b': 'qwen3',
  'qwen3-1.7b': 'qwen3',
  'qwen3-8b': 'qwen3',
  'qwen3-14b': 'qwen3',
  'mistral-7b-v0.3': 'mistral',
  'mistral-nemo-12b': 'mistral',
  'gemma2-2b': 'gemma2',
  'gemma2-9b': 'gemma2',
  'gemma2-27b': 'gemma2',
};

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

/**
 * The accelerate configs shipped in python/accelerate/ for one machine, which `--accelerate` names. multi-node.yaml is
 * not among them: each machine of a multi-node run starts its own launcher (python/accelerate/slurm.sh).
 */
export const ACCELERATE_CONFIGS = ['single-gpu', 'multi-gpu', 'deepspeed-zero2', 'deepspeed-zero3', 'fsdp'] as const;
