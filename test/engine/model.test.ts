import { describe, expect, it } from 'vitest';
import { W2sError } from '../../src/errors.js';
import { portableKernels } from '../../src/engine/kernels/portable.js';
import { LlamaModel } from '../../src/engine/model.js';
import { randomModel, tinyConfig } from './helpers.js';

const config = tinyConfig({ max_position_embeddings: 64 });
const V = config.vocab_size;

function logitsOf(model: LlamaModel, seqs: number[][], ws = model.workspace(seqs.length, Math.max(...seqs.map((s) => s.length)))): Float32Array {
  const T = Math.max(...seqs.map((s) => s.length));
  ws.setShape(seqs.length, T);
  seqs.forEach((s, b) => {
    for (let t = 0; t < T; t++) ws.tokens[b * T + t] = s[t] ?? 0;
  });
  model.forward(ws, seqs.length, T, null);
  const out = new Float32Array(seqs.length * T * V);
  model.logits(ws, out);
  return out;
}

describe('LlamaModel', () => {
  it('gives each sequence the same logits whatever it is batched and right-padded with', () => {
    const model = randomModel(config, 81);
    const a = [3, 1, 4, 1, 5];
    const b = [9, 2, 6, 5, 3, 5, 8, 9, 7];
    const alone = logitsOf(model, [a]);
    const batched = logitsOf(model, [b, a]);
    const T = b.length;
    const row = batched.subarray(T * V, T * V + a.length * V);
    for (let i = 0; i < row.length; i++) expect(row[i]).toBeCloseTo(alone[i]!, 5);
  });

  it('reuses a workspace across batch shapes without stale state', () => {
    const model = randomModel(config, 82);
    const ws = model.workspace(4, 20);
    const big = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8], [2, 3], [4, 5, 6], [7]];
    logitsOf(model, big, ws);
    const small = [[5, 6, 7], [8, 9, 10]];
    expect(logitsOf(model, small, ws)).toEqual(logitsOf(model, small));
    expect(() => ws.setShape(5, 3)).toThrow(RangeError);
  });

  it('exposes parameters under Hugging Face names and validates what it loads', () => {
    const model = LlamaModel.init(config, portableKernels, 1);
    const t = model.tensors();
    expect(t.get('model.layers.1.self_attn.k_proj.weight')!.shape).toEqual([8, 16]);
    expect(t.get('lm_head.weight')!.shape).toEqual([V, 16]);
    expect(t.get('model.norm.weight')!.data.every((x) => x === 1)).toBe(true);
    const std = Math.sqrt(t.get('model.layers.0.mlp.up_proj.weight')!.data.reduce((a, x) => a + x * x, 0) / (24 * 16));
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);

    const copy = LlamaModel.fromTensors(config, t, portableKernels);
    expect(copy.params).toEqual(model.params);
    const missing = model.tensors();
    missing.delete('model.norm.weight');
    expect(() => LlamaModel.fromTensors(config, missing, portableKernels, 'model.safetensors')).toThrow(/model.safetensors.*model.norm.weight/);
    const wrongShape = model.tensors();
    wrongShape.set('model.norm.weight', { shape: [8, 2], data: new Float32Array(16) });
    expect(() => LlamaModel.fromTensors(config, wrongShape, portableKernels)).toThrow(W2sError);
  });

  it('accepts a duplicate lm_head equal to the embeddings when tied, and rejects a different one', () => {
    const tied = tinyConfig({ tie_word_embeddings: true });
    const model = LlamaModel.init(tied, portableKernels, 2);
    const t = model.tensors();
    expect(t.has('lm_head.weight')).toBe(false);
    t.set('lm_head.weight', { shape: [V, 16], data: Float32Array.from(t.get('model.embed_tokens.weight')!.data) });
    expect(() => LlamaModel.fromTensors(tied, t, portableKernels)).not.toThrow();
    t.set('lm_head.weight', { shape: [V, 16], data: new Float32Array(V * 16) });
    expect(() => LlamaModel.fromTensors(tied, t, portableKernels)).toThrow(/lm_head/);
  });
});
