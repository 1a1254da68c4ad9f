import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { saveCheckpoint } from '../../src/engine/formats/checkpoint.js';
import { buildClosedVocabularyTokenizer } from '../../src/engine/tokenizers/closed-vocabulary.js';
import { type LlamaConfigInput, parseLlamaConfig } from '../../src/engine/config.js';
import { getKernels } from '../../src/engine/kernels/index.js';
import { LlamaModel } from '../../src/engine/model.js';
import { train } from '../../src/engine/train.js';

/*
 * A tiny language model that has learned something, for tests that compare generators: a Llama decoder (GQA, 2
 * layers) with a closed-vocabulary byte-level BPE tokenizer, trained for a few hundred steps on a repetitive corpus.
 * Each line of the corpus is the tail of one of three word cycles, from a random word to the cycle's end, then "."
 * and the end-of-sequence token, so greedy decoding of a cycle's words continues the cycle, stops after ".", and
 * what it writes depends on the prompt.
 */

export const CYCLES = [
  ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'],
  ['red', 'orange', 'yellow', 'green', 'blue', 'indigo', 'violet'],
  ['cat', 'dog', 'cow', 'pig', 'hen', 'fox', 'owl', 'bee'],
] as const;

/** Prompts whose greedy continuations differ in words and length. */
export const PROMPTS = ['one two', 'three four five', 'red', 'yellow green', 'cat dog cow', 'fox', 'seven', 'orange yellow green blue'];

const SPECIALS = { bos: '<s>', eos: '</s>', pad: '<pad>' };

function corpus(lines: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: lines }, () => {
    const cycle = CYCLES[rng.int(CYCLES.length)]!;
    const start = rng.int(cycle.length - 1);
    return `${cycle.slice(start).join(' ')} .`;
  });
}

/**
 * Trains the tiny model and saves it as a checkpoint folder `dir/model`; returns the folder. `tied` ties the output
 * layer to the embeddings. About two seconds on one core.
 */
export async function trainTinyLm(dir: string, options: { tied?: boolean; steps?: number; seed?: number } = {}): Promise<string> {
  const seed = options.seed ?? 1;
  const tokenizer = buildClosedVocabularyTokenizer([...CYCLES.flat(), '.'], SPECIALS);
  const overrides: LlamaConfigInput = {
    vocab_size: tokenizer.vocabSize,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    // Room for the App. B prompts of the real tasks (about one token per character outside the vocabulary).
    max_position_embeddings: 512,
    rms_norm_eps: 1e-5,
    tie_word_embeddings: options.tied ?? false,
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
    pad_token_id: tokenizer.padId,
  };
  const config = parseLlamaConfig(overrides);
  const model = LlamaModel.init(config, getKernels(), seed);
  const lines = corpus(256, seed);
  const encoded = await tokenizer.encodeBatch(lines);
  const examples = encoded.map((ids) => ({ ids: [tokenizer.bosId!, ...ids, tokenizer.eosId!], promptLength: 0, weight: 1 }));
  train(model, examples, { learningRate: 1e-2, batchSize: 16, maxSteps: options.steps ?? 300, warmupSteps: 10, schedule: 'cosine', seed, padTokenId: tokenizer.padId! });
  const out = join(dir, 'model');
  saveCheckpoint(out, config, model.tensors(), tokenizer);
  return out;
}
