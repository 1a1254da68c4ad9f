import { describe, expect, it } from 'vitest';
import { portableKernels } from '../../../src/engine/kernels/portable.js';
import { evaluateLoss } from '../../../src/engine/train.js';
import { worldCorpus } from '../../../src/tasks/synthetic/corpus.js';
import { sftExamples } from '../../../src/engine/sft-encoding.js';
import { baseModelConfig, pretrainBase } from '../../../src/tasks/synthetic/pretrain.js';
import { SUITE_QUICK, type SuiteConfig } from '../../../src/tasks/synthetic/suite.js';
import { suiteTokenizer } from '../../../src/tasks/synthetic/vocabulary.js';
import { LlamaModel } from '../../../src/engine/model.js';
import { smallWorld, SMALL_WORLD } from './helpers.js';

// A tiny model and a few steps: enough to see pretraining on the world corpus work end to end, in seconds.
const suite: SuiteConfig = {
  ...SUITE_QUICK,
  world: SMALL_WORLD,
  weak: {
    ...SUITE_QUICK.weak,
    model: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 64, tie_word_embeddings: true },
    pretrain: { steps: 40, batchSize: 16, microBatchSize: 16, learningRate: 1e-2, warmupSteps: 4, weightDecay: 0 },
  },
};

describe('pretrainBase', () => {
  it('pretrains a tiny base on the world corpus: the loss on held-out renderings falls', async () => {
    const world = smallWorld();
    const tokenizer = suiteTokenizer(world);
    const heldOut = await sftExamples(tokenizer, worldCorpus(world, 'weak', 1, suite.corpus, 99).slice(0, 64).map((d) => ({ ...d, weight: 1 })));
    const untrained = LlamaModel.init(baseModelConfig(suite.weak, tokenizer), portableKernels, suite.pretrainSeed);
    const before = evaluateLoss(untrained, heldOut);
    const result = await pretrainBase(world, tokenizer, suite, 'weak', portableKernels);
    expect(result.losses).toHaveLength(40);
    expect(evaluateLoss(result.model, heldOut)).toBeLessThan(before * 0.7);
    expect(result.model.config.vocab_size).toBe(tokenizer.vocabSize);
  });

  it('is deterministic given the world and the suite', async () => {
    const world = smallWorld();
    const tokenizer = suiteTokenizer(world);
    const short = { ...suite, weak: { ...suite.weak, pretrain: { ...suite.weak.pretrain, steps: 3 } } };
    const a = await pretrainBase(world, tokenizer, short, 'weak', portableKernels);
    const b = await pretrainBase(world, tokenizer, short, 'weak', portableKernels);
    expect(a.losses).toEqual(b.losses);
    expect(a.model.params).toEqual(b.model.params);
  });
});
