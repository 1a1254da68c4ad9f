import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { LlamaConfig } from '../../src/engine/config.js';
import { LoraAdapter } from '../../src/engine/lora.js';
import type { LlamaModel } from '../../src/engine/model.js';
import { gaussian } from '../../src/engine/params.js';
import { lossAndGrads, randomExamples, randomModel, tinyConfig } from './helpers.js';

/**
 * Central finite differences in float32 against the analytic gradient, coordinate by coordinate. Each checked
 * coordinate must agree to 2% of the tensor's largest gradient plus 2% of its own value: a missing term, a wrong sign
 * or a wrong transpose shows up as an error of the order of the gradient itself.
 */
function checkTensor(
  name: string,
  buffer: Float32Array,
  offset: number,
  size: number,
  analytic: Float32Array,
  loss: () => number,
  rng: Rng,
): void {
  let maxAbs = 0;
  let argmax = offset;
  for (let i = offset; i < offset + size; i++) {
    if (Math.abs(analytic[i]!) > maxAbs) {
      maxAbs = Math.abs(analytic[i]!);
      argmax = i;
    }
  }
  expect(maxAbs, `${name}: gradient is all zero`).toBeGreaterThan(1e-4);
  const coords = new Set([argmax]);
  while (coords.size < Math.min(size, 8)) coords.add(offset + rng.int(size));
  const eps = 1e-2;
  for (const i of coords) {
    const saved = buffer[i]!;
    buffer[i] = saved + eps;
    const up = loss();
    buffer[i] = saved - eps;
    const down = loss();
    buffer[i] = saved;
    const fd = (up - down) / (2 * eps);
    const g = analytic[i]!;
    expect(Math.abs(fd - g), `${name}[${i - offset}]: finite difference ${fd} vs analytic ${g}`).toBeLessThan(
      0.02 * maxAbs + 0.02 * Math.abs(g),
    );
  }
}

function checkFullModel(config: LlamaConfig, keepProbs?: boolean, maxLen = 9): void {
  const model = randomModel(config, 1);
  const examples = randomExamples(config, 4, 2, maxLen);
  const grad = new Float32Array(model.params.length);
  lossAndGrads(model, examples, { base: grad, lora: null }, null, keepProbs);
  const rng = new Rng(3);
  for (const e of model.layout.entries) {
    checkTensor(e.name, model.params, e.offset, e.size, grad, () => lossAndGrads(model, examples, null), rng);
  }
}

function checkLora(model: LlamaModel, dropoutSeed: number | null): void {
  const examples = randomExamples(model.config, 4, 5);
  const ad = model.adapter!;
  // B starts at zero in a fresh adapter, which would make A's gradient zero: randomise both.
  const rng = new Rng(6);
  for (let i = 0; i < ad.params.length; i++) ad.params[i] = 0.3 * gaussian(rng);
  const grad = new Float32Array(ad.params.length);
  lossAndGrads(model, examples, { base: null, lora: grad }, dropoutSeed);
  for (const [name, t] of ad.tensors()) {
    const offset = t.data.byteOffset / 4;
    checkTensor(name, ad.params, offset, t.data.length, grad, () => lossAndGrads(model, examples, null, dropoutSeed), rng);
  }
}

describe('finite-difference gradient checks', () => {
  it('matches every parameter of an untied model with grouped KV heads', () => {
    checkFullModel(tinyConfig());
  });

  it('matches every parameter when attention probabilities are rebuilt from the log-sum-exp, not stored', () => {
    checkFullModel(tinyConfig(), false);
  });

  it('matches every parameter on sequences spanning several attention blocks, probabilities stored or rebuilt', () => {
    const config = tinyConfig({ max_position_embeddings: 128, num_hidden_layers: 1 });
    checkFullModel(config, true, 75);
    checkFullModel(config, false, 75);
  });

  it('gives the same gradient whether attention probabilities are stored or rebuilt', () => {
    const config = tinyConfig({ max_position_embeddings: 128 });
    const model = randomModel(config, 8);
    const examples = randomExamples(config, 5, 9, 70);
    const kept = new Float32Array(model.params.length);
    const rebuilt = new Float32Array(model.params.length);
    const a = lossAndGrads(model, examples, { base: kept, lora: null }, null, true);
    const b = lossAndGrads(model, examples, { base: rebuilt, lora: null }, null, false);
    expect(b).toBe(a);
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < kept.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(kept[i]! - rebuilt[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(kept[i]!));
    }
    expect(maxDiff / maxAbs).toBeLessThan(1e-5);
  });

  it('matches every parameter of a tied model with one KV head per query head', () => {
    checkFullModel(tinyConfig({ tie_word_embeddings: true, num_key_value_heads: 4 }));
  });

  it('matches every parameter with multi-query attention and an explicit head_dim', () => {
    checkFullModel(tinyConfig({ num_attention_heads: 2, num_key_value_heads: 1, head_dim: 6, num_hidden_layers: 1 }));
  });

  it('matches LoRA A and B on every target module, without dropout', () => {
    const model = randomModel(tinyConfig(), 4);
    model.attachLora(
      new LoraAdapter(model.config, {
        r: 3,
        alpha: 6,
        dropout: 0,
        targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
      }),
    );
    checkLora(model, null);
  });

  it('matches LoRA A and B with dropout (same masks in every evaluation)', () => {
    const model = randomModel(tinyConfig({ tie_word_embeddings: true }), 7);
    model.attachLora(
      new LoraAdapter(model.config, { r: 2, alpha: 3, dropout: 0.3, targetModules: ['q_proj', 'v_proj', 'o_proj', 'down_proj'] }),
    );
    checkLora(model, 11);
  });
});
