import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { W2sError } from '../../src/errors.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/engine/formats/checkpoint.js';
import { portableKernels } from '../../src/engine/kernels/portable.js';
import { LoraAdapter } from '../../src/engine/lora.js';
import { LlamaModel } from '../../src/engine/model.js';
import { readSafetensors, writeSafetensors } from '../../src/engine/formats/safetensors.js';
import { type StepInfo, evaluateLoss, train } from '../../src/engine/train.js';
import { lossAndGrads, randomExamples, randomModel, tinyConfig } from './helpers.js';

const config = tinyConfig();

function allLogits(model: LlamaModel, ids: number[][]): Float32Array {
  const T = Math.max(...ids.map((s) => s.length));
  const ws = model.workspace(ids.length, T);
  ids.forEach((s, b) => {
    for (let t = 0; t < T; t++) ws.tokens[b * T + t] = s[t] ?? 0;
  });
  model.forward(ws, ids.length, T, null);
  const out = new Float32Array(ids.length * T * model.config.vocab_size);
  model.logits(ws, out);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('training loop', () => {
  it('accumulates micro-batches into exactly the full batch loss and gradient (Eq. 5 over the whole batch)', () => {
    const examples = randomExamples(config, 6, 51);
    const reference = randomModel(config, 52);
    const grad = new Float32Array(reference.params.length);
    const loss = lossAndGrads(reference, examples, { base: grad, lora: null });
    const norm = Math.sqrt(grad.reduce((a, g) => a + g * g, 0));
    for (const micro of [1, 2, 4, 6]) {
      const infos: StepInfo[] = [];
      train(randomModel(config, 52), examples, {
        learningRate: 1e-3,
        batchSize: 6,
        microBatchSize: micro,
        maxSteps: 1,
        seed: 1,
        onStep: (i) => infos.push(i),
      });
      expect(infos[0]!.loss).toBeCloseTo(loss, 5);
      expect(infos[0]!.gradNorm / norm).toBeCloseTo(1, 5);
    }
  });

  it('learns: the loss of a small set falls when trained on it', () => {
    const examples = randomExamples(config, 8, 53);
    const model = LlamaModel.init(config, portableKernels, 3);
    const before = evaluateLoss(model, examples);
    const result = train(model, examples, { learningRate: 1e-2, batchSize: 4, epochs: 30, seed: 2 });
    expect(result.steps).toBe(60);
    expect(evaluateLoss(model, examples)).toBeLessThan(before * 0.5);
  });

  it('stops with exit 1 when training diverges (a learning rate of 1e30), instead of returning NaN weights', () => {
    const examples = randomExamples(config, 8, 53);
    const model = LlamaModel.init(config, portableKernels, 3);
    let error: unknown;
    try {
      train(model, examples, { learningRate: 1e30, batchSize: 4, epochs: 3, seed: 2, maxGradNorm: null });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(1);
    expect((error as W2sError).message).toMatch(/^training diverged at step \d+ \(/);
  });

  it('follows the linear decay schedule of the Hugging Face Trainer, with warm-up', () => {
    const lrs: number[] = [];
    train(randomModel(config, 54), randomExamples(config, 4, 55), {
      learningRate: 0.01,
      batchSize: 1,
      epochs: 2,
      warmupSteps: 2,
      seed: 3,
      onStep: (i) => lrs.push(i.learningRate),
    });
    const expected = [0, 0.005, 0.01, 0.01 * (5 / 6), 0.01 * (4 / 6), 0.01 * (3 / 6), 0.01 * (2 / 6), 0.01 * (1 / 6)];
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo(expected[i]!, 12));
  });

  it('clips the gradient before the update: a tiny max norm changes the trajectory, the reported norm is unclipped', () => {
    const examples = randomExamples(config, 4, 56);
    const run = (maxGradNorm: number | null): { params: Float32Array; norms: number[] } => {
      const norms: number[] = [];
      const model = randomModel(config, 57);
      train(model, examples, { learningRate: 0.01, batchSize: 2, maxSteps: 2, seed: 4, maxGradNorm, onStep: (i) => norms.push(i.gradNorm) });
      return { params: model.params, norms };
    };
    const free = run(null);
    const clipped = run(1e-3);
    expect(clipped.norms[0]).toBe(free.norms[0]);
    expect(free.norms[0]!).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(clipped.params, free.params)).toBeGreaterThan(1e-6);
  });

  it('gives bit-identical weights for the same seed and different ones for another seed', () => {
    const examples = randomExamples(config, 10, 58);
    const run = (seed: number): Float32Array => {
      const model = randomModel(config, 59);
      train(model, examples, { learningRate: 1e-3, batchSize: 3, epochs: 2, seed, lora: { r: 2, alpha: 4, dropout: 0.1, targetModules: ['q_proj', 'v_proj'] } });
      return Float32Array.from(model.adapter!.params);
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(maxAbsDiff(run(8), a)).toBeGreaterThan(0);
  });

  it('trains only the adapter in LoRA mode and starts from the base model exactly (B = 0)', () => {
    const model = randomModel(config, 60);
    const base = Float32Array.from(model.params);
    const ids = [[1, 2, 3, 4, 5]];
    const before = allLogits(model, ids);
    const adapter = LoraAdapter.init(config, { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj'] }, 1);
    model.attachLora(adapter);
    expect(allLogits(model, ids)).toEqual(before);
    train(model, randomExamples(config, 6, 61), { learningRate: 1e-2, batchSize: 3, epochs: 2, seed: 5 });
    expect(model.params).toEqual(base);
    expect(maxAbsDiff(allLogits(model, ids), before)).toBeGreaterThan(1e-4);
  });

  it('round-trips through a checkpoint folder: train, save, load, identical logits', () => {
    const model = LlamaModel.init(config, portableKernels, 9);
    train(model, randomExamples(config, 6, 62), { learningRate: 1e-2, batchSize: 2, maxSteps: 3, seed: 6 });
    const dir = mkdtempSync(join(tmpdir(), 'w2s-roundtrip-'));
    try {
      saveCheckpoint(join(dir, 'model'), config, model.tensors(), null);
      const loaded = loadCheckpoint(join(dir, 'model'));
      const again = LlamaModel.fromTensors(loaded.config, loaded.params, portableKernels);
      const ids = [[3, 1, 4, 1, 5, 9, 2, 6], [5, 3, 5]];
      expect(allLogits(again, ids)).toEqual(allLogits(model, ids));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('round-trips a trained LoRA adapter, and merging it changes no logit beyond float rounding', () => {
    const model = randomModel(config, 63);
    train(model, randomExamples(config, 6, 64), {
      learningRate: 1e-2,
      batchSize: 3,
      maxSteps: 4,
      seed: 7,
      lora: { r: 2, alpha: 4, dropout: 0.05, targetModules: ['q_proj', 'v_proj', 'gate_proj', 'down_proj'] },
    });
    const ids = [[2, 7, 1, 8, 2, 8]];
    const withAdapter = allLogits(model, ids);
    const dir = mkdtempSync(join(tmpdir(), 'w2s-adapter-'));
    try {
      writeSafetensors(join(dir, 'adapter_model.safetensors'), model.adapter!.tensors());
      const reloaded = new LoraAdapter(config, model.adapter!.config);
      reloaded.load(readSafetensors(join(dir, 'adapter_model.safetensors')).tensors);
      const other = new LlamaModel(config, portableKernels, Float32Array.from(model.params));
      other.attachLora(reloaded);
      expect(allLogits(other, ids)).toEqual(withAdapter);
      other.mergeLora();
      expect(other.adapter).toBeNull();
      expect(maxAbsDiff(allLogits(other, ids), withAdapter)).toBeLessThan(1e-5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad examples and options with a W2sError naming the field', () => {
    const model = randomModel(config, 65);
    const ok = randomExamples(config, 2, 66);
    const opts = { learningRate: 1e-3, batchSize: 2, seed: 1 };
    expect(() => train(model, [], opts)).toThrow(W2sError);
    expect(() => train(model, [{ ids: [1, 99], promptLength: 1, weight: 1 }], opts)).toThrow(/examples\[0\]\.ids/);
    expect(() => train(model, [{ ids: [1, 2], promptLength: 3, weight: 1 }], opts)).toThrow(/promptLength/);
    expect(() => train(model, [{ ids: [1, 2], promptLength: 1, weight: -1 }], opts)).toThrow(/weight/);
    expect(() => train(model, ok, { ...opts, batchSize: 0 })).toThrow(/batchSize/);
  });
});
