// The pretraining recipe of the suite's base models: causal-LM training on the world corpus, with the engine's one
// training loop (facts carry loss on every token, practice questions on their answers).
import type { LlamaConfig } from '../../engine/config.js';
import { parseLlamaConfig } from '../../engine/config.js';
import type { Kernels } from '../../engine/kernels/types.js';
import { LlamaModel } from '../../engine/model.js';
import type { HfTokenizer } from '../../engine/tokenizers/tokenizer.js';
import { sftExamples } from '../../engine/sft-encoding.js';
import { type StepInfo, type TrainOptions, train } from '../../engine/train.js';
import { type BaseRole, worldCorpus } from './corpus.js';
import type { ModelRecipe, SuiteConfig } from './suite.js';
import type { World } from './world.js';

/** The full model config of a base: the recipe's shape with the tokenizer's vocabulary and special tokens. */
export function baseModelConfig(recipe: ModelRecipe, tokenizer: HfTokenizer): LlamaConfig {
  return parseLlamaConfig({
    ...recipe.model,
    vocab_size: tokenizer.vocabSize,
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
    pad_token_id: tokenizer.padId,
  });
}

/** Renderings of the corpus needed for `steps` batches of `batchSize` documents. */
function renderingsFor(world: World, base: BaseRole, suite: SuiteConfig, steps: number, batchSize: number): number {
  const perRendering = worldCorpus(world, base, 1, suite.corpus).length;
  return Math.max(1, Math.ceil((steps * batchSize) / perRendering));
}

export interface PretrainResult {
  model: LlamaModel;
  /** Loss of every optimizer step. */
  losses: number[];
  /** Tokens trained on (padding excluded). */
  tokens: number;
  seconds: number;
}

/**
 * Pretrains one base of the suite from its seeded initialisation: `pretrain.steps` optimizer steps over fresh
 * renderings of the base's corpus. Deterministic given the world, the suite and the kernels.
 */
export async function pretrainBase(
  world: World,
  tokenizer: HfTokenizer,
  suite: SuiteConfig,
  base: BaseRole,
  kernels: Kernels,
  onStep?: (info: StepInfo) => void,
  resumable: Pick<TrainOptions, 'checkpoint' | 'resumeFrom'> = {},
): Promise<PretrainResult> {
  const recipe = suite[base];
  const { steps, batchSize } = recipe.pretrain;
  const docs = worldCorpus(world, base, renderingsFor(world, base, suite, steps, batchSize), suite.corpus, suite.pretrainSeed);
  const examples = await sftExamples(tokenizer, docs.map((d) => ({ prompt: d.prompt, completion: d.completion, weight: 1 })));
  const model = LlamaModel.init(baseModelConfig(recipe, tokenizer), kernels, suite.pretrainSeed);
  const start = performance.now();
  let tokens = 0;
  const result = train(model, examples, {
    learningRate: recipe.pretrain.learningRate,
    batchSize,
    microBatchSize: recipe.pretrain.microBatchSize,
    maxSteps: steps,
    warmupSteps: recipe.pretrain.warmupSteps,
    schedule: 'cosine',
    adamw: { weightDecay: recipe.pretrain.weightDecay },
    seed: suite.pretrainSeed,
    padTokenId: tokenizer.padId ?? 0,
    ...resumable,
    onStep: (info) => {
      tokens += info.tokens;
      onStep?.(info);
    },
  });
  return { model, losses: result.losses, tokens, seconds: (performance.now() - start) / 1000 };
}
