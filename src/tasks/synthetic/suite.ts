// The synthetic suite's configurations as plain data: world size, split sizes, N per family, the weak and strong
// base models with their pretraining and SFT recipes, and the answer key that creates (or, in the control, breaks)
// the paper's premise. Every number here is a default the pipeline may override from a config file.
import type { LlamaConfigInput } from '../../engine/config.js';
import { type LoraConfig, PAPER_LORA } from '../../engine/lora.js';
import type { SplitName } from '../types.js';
import type { CorpusOptions } from './corpus.js';
import type { FamilyName } from './family.js';
import type { WorldConfig } from './world.js';

/** The shape of a base model: LlamaConfig fields; vocabulary and special token ids come from the suite tokenizer. */
export type ModelShape = Omit<LlamaConfigInput, 'vocab_size' | 'bos_token_id' | 'eos_token_id' | 'pad_token_id'>;

export interface PretrainRecipe {
  steps: number;
  /** Documents per optimizer step. */
  batchSize: number;
  /** Documents per forward/backward pass (memory only; the update is the same). */
  microBatchSize: number;
  learningRate: number;
  warmupSteps: number;
  weightDecay: number;
}

export interface SftRecipe {
  learningRate: number;
  batchSize: number;
  epochs: number;
  warmupSteps: number;
  /** LoRA adapter trained on the frozen base, or null for full fine-tuning. */
  lora: LoraConfig | null;
}

export interface ModelRecipe {
  model: ModelShape;
  pretrain: PretrainRecipe;
  sft: SftRecipe;
}

export interface SuiteConfig {
  name: string;
  /** Seed of the world (entities, facts, splits); base checkpoints depend on it, not on the run's seeds. */
  worldSeed: number;
  /** Seed of the base models' initialisation and corpus order. */
  pretrainSeed: number;
  world: WorldConfig;
  corpus: CorpusOptions;
  /** Questions per family and split (at most what the world's entities of that role give). */
  questions: Readonly<Record<FamilyName, Readonly<Record<SplitName, number>>>>;
  /** N, the prompt variations per question, per family. */
  variations: Readonly<Record<FamilyName, number>>;
  /**
   * The answer key of the weak model's SFT split (answer-key.ts): the probability that an original prompt there
   * shows the gold answer first, for four-option and two-word families. val and test always have a balanced key.
   */
  weakTrainGoldFirst: { readonly multipleChoice: number; readonly binary: number };
  weak: ModelRecipe;
  strong: ModelRecipe;
}

/** LlamaConfig fields both bases share: tied embeddings, plain RoPE, a context long enough for every prompt. */
const SHAPE_COMMON = { max_position_embeddings: 128, tie_word_embeddings: true, rms_norm_eps: 1e-5, rope_theta: 10000 } as const;

/**
 * The default suite, sized so that `w2s run` fits in minutes on two CPU cores once the bases are pretrained.
 *
 * - Bases: the weak one (d 64, 2 layers, 0.23M parameters) reads half of each role's entities and half of the
 *   arithmetic facts; the strong one (d 128, 4 layers, 1.06M parameters) reads the whole world. Pretrained this long,
 *   the weak base recalls every fact it read.
 * - Weak SFT: full fine-tuning, 10 epochs at 1e-3, chosen on val. With the paper's LoRA (r 16 on q and v) the weak
 *   model did not pick up the skewed answer key at all (its wrong answers stayed spread evenly over the four slots);
 *   full fine-tuning for 3 epochs left it half-trained (more unreadable answers, a weaker habit).
 * - Strong SFT: the paper's LoRA (r 16, alpha 32, dropout 0.05 on q and v), 3 epochs, batch 32, learning rate 5e-3
 *   instead of the paper's 5e-5, at which a model this small stays at its zero-shot answers whatever its labels.
 *   Chosen on val alone by scripts/select-strong-lr.mjs (the ceiling trained on three quarters of val, scored on the
 *   rest, 2 seeds): mean held-out accuracy 0.748 at 1e-3, 0.788 at 3e-3, 0.830 at 5e-3, 0.777 at 1e-2.
 * - The weak model's SFT split has a skewed answer key (gold first with probability 0.6 of four, 0.8 of two), so the
 *   weak model learns to fall back on the first slot when it does not know: the paper's premise, from training. In
 *   our measurements (3 seeds) the share of its wrong answers in slot A was 0.45 (knowledge) and 0.70 (continuation)
 *   against 0.25 and 0.24 under the control's balanced key, and the first label word took 0.70 of its wrong
 *   judgements against 0.51.
 */
export const SUITE_DEFAULT: SuiteConfig = {
  name: 'default',
  worldSeed: 1,
  pretrainSeed: 1,
  world: { entities: { train: 80, val: 80, test: 160, practice: 80 }, situations: 2, maxOperand: 20, weakFactShare: 0.5 },
  corpus: { factsPerDocument: 4, practiceFraction: 0.3 },
  questions: {
    knowledge: { train: 320, val: 320, test: 640 },
    continuation: { train: 160, val: 160, test: 320 },
    judgement: { train: 240, val: 240, test: 480 },
    arithmetic: { train: 118, val: 118, test: 236 },
  },
  variations: { knowledge: 5, continuation: 5, judgement: 2, arithmetic: 5 },
  weakTrainGoldFirst: { multipleChoice: 0.6, binary: 0.8 },
  weak: {
    model: { ...SHAPE_COMMON, hidden_size: 64, intermediate_size: 172, num_hidden_layers: 2, num_attention_heads: 4 },
    pretrain: { steps: 6000, batchSize: 64, microBatchSize: 64, learningRate: 5e-3, warmupSteps: 50, weightDecay: 0 },
    sft: { learningRate: 1e-3, batchSize: 32, epochs: 10, warmupSteps: 0, lora: null },
  },
  strong: {
    model: { ...SHAPE_COMMON, hidden_size: 128, intermediate_size: 344, num_hidden_layers: 4, num_attention_heads: 4 },
    pretrain: { steps: 3000, batchSize: 128, microBatchSize: 64, learningRate: 2e-3, warmupSteps: 50, weightDecay: 0 },
    sft: { learningRate: 5e-3, batchSize: 32, epochs: 3, warmupSteps: 0, lora: PAPER_LORA },
  },
};

/**
 * The control: the same suite, and the same bases, with a balanced answer key in the weak SFT split, so no habit of
 * the first slot is learned. It breaks the premise where a guess has nothing but position to go on: the judgement's
 * weak answers then agree under both label orders on 99% of questions (entropy tells nothing). In the four-option
 * families the weak model still guesses unsteadily among options about entities it never read, so entropy keeps
 * much of its signal there (corr(entropy, correct) -0.50 against -0.55 and -0.63 by default): the control removes
 * the position habit, not all instability. Arithmetic has no answer key; it is the same in both.
 */
export const SUITE_CONTROL: SuiteConfig = {
  ...SUITE_DEFAULT,
  name: 'control',
  weakTrainGoldFirst: { multipleChoice: 0.25, binary: 0.5 },
};

/** A smoke-test size: a small world and tiny models that pretrain in seconds; its numbers mean nothing. */
export const SUITE_QUICK: SuiteConfig = {
  ...SUITE_DEFAULT,
  name: 'quick',
  world: { entities: { train: 12, val: 12, test: 24, practice: 12 }, situations: 2, maxOperand: 8, weakFactShare: 0.5 },
  questions: {
    knowledge: { train: 48, val: 48, test: 96 },
    continuation: { train: 24, val: 24, test: 48 },
    judgement: { train: 36, val: 36, test: 72 },
    arithmetic: { train: 10, val: 10, test: 20 },
  },
  weak: {
    ...SUITE_DEFAULT.weak,
    model: { ...SHAPE_COMMON, hidden_size: 32, intermediate_size: 86, num_hidden_layers: 1, num_attention_heads: 2 },
    pretrain: { ...SUITE_DEFAULT.weak.pretrain, steps: 400, batchSize: 32, microBatchSize: 32, learningRate: 1e-2 },
  },
  strong: {
    ...SUITE_DEFAULT.strong,
    model: { ...SHAPE_COMMON, hidden_size: 48, intermediate_size: 128, num_hidden_layers: 1, num_attention_heads: 2 },
    pretrain: { ...SUITE_DEFAULT.strong.pretrain, steps: 400, batchSize: 32, microBatchSize: 32, learningRate: 1e-2 },
  },
};
