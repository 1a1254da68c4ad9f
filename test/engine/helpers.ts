import { Rng } from '../../src/core/rng.js';
import { type LlamaConfig, type LlamaConfigInput, parseLlamaConfig } from '../../src/engine/config.js';
import { portableKernels } from '../../src/engine/kernels/portable.js';
import type { Kernels } from '../../src/engine/kernels/types.js';
import { type ClmExample, clmHead, packBatch } from '../../src/engine/loss.js';
import { type Gradients, LlamaModel } from '../../src/engine/model.js';
import { gaussian } from '../../src/engine/params.js';

/** A tiny config: 2 layers, 4 query heads sharing 2 key/value heads (GQA), head_dim 4. */
export function tinyConfig(overrides: LlamaConfigInput = {}): LlamaConfig {
  return parseLlamaConfig({
    vocab_size: 13,
    hidden_size: 16,
    intermediate_size: 24,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 64,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: false,
    bos_token_id: 1,
    eos_token_id: 2,
    ...overrides,
  });
}

/**
 * A model whose weights are large enough that every gradient is well above float32 noise: linear weights
 * N(0, 0.3^2), norm weights 1 + N(0, 0.2^2).
 */
export function randomModel(config: LlamaConfig, seed: number, kernels: Kernels = portableKernels): LlamaModel {
  const model = new LlamaModel(config, kernels);
  const rng = new Rng(seed);
  for (const e of model.layout.entries) {
    for (let i = e.offset; i < e.offset + e.size; i++) {
      model.params[i] = e.decay ? 0.3 * gaussian(rng) : 1 + 0.2 * gaussian(rng);
    }
  }
  return model;
}

/** Random prompt/completion examples of varied lengths and weights. */
export function randomExamples(config: LlamaConfig, n: number, seed: number, maxLen = 9): ClmExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const len = 3 + rng.int(maxLen - 2);
    return {
      ids: Array.from({ length: len }, () => rng.int(config.vocab_size)),
      promptLength: rng.int(len - 1),
      weight: 0.25 + rng.next(),
    };
  });
}

/**
 * Loss (Eq. 5 over the examples as one batch) and, with `grads`, its gradients; dropout masks from `dropoutSeed`;
 * `keepProbs` picks the attention backward path (stored or rebuilt probabilities).
 */
export function lossAndGrads(
  model: LlamaModel,
  examples: ClmExample[],
  grads: Gradients | null,
  dropoutSeed: number | null = null,
  keepProbs?: boolean,
): number {
  let maxT = 0;
  for (const ex of examples) maxT = Math.max(maxT, ex.ids.length);
  const ws = model.workspace(examples.length, maxT, keepProbs);
  const T = packBatch(ws, examples, examples.length, 0);
  model.forward(ws, examples.length, T, dropoutSeed === null ? null : { seed: dropoutSeed, keys: examples.map((_, i) => String(i)) });
  const loss = clmHead(model, ws, grads !== null, grads?.base ?? null);
  if (grads) model.backward(ws, grads);
  return loss;
}
