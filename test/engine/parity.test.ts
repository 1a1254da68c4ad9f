import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type LlamaConfig, toHfConfigJson } from '../../src/engine/config.js';
import { loadNativeKernels } from '../../src/engine/kernels/native.js';
import { portableKernels } from '../../src/engine/kernels/portable.js';
import type { Kernels } from '../../src/engine/kernels/types.js';
import { type ClmExample, clmHead, packBatch } from '../../src/engine/loss.js';
import { type LoraConfig, LoraAdapter } from '../../src/engine/lora.js';
import type { LlamaModel } from '../../src/engine/model.js';
import { AdamW, linearSchedule } from '../../src/engine/optim.js';
import { type TensorMap, gaussian } from '../../src/engine/params.js';
import { readSafetensors, writeSafetensors } from '../../src/engine/formats/safetensors.js';
import { randomExamples, randomModel, tinyConfig } from './helpers.js';
import { relativeError } from '../helpers/relative-error.js';

/*
 * Parity with PyTorch: parity/oracle.py recomputes, in float64 from our float32 weights, the logits of a padded batch,
 * the weighted loss (Eq. 1 and 5) and every gradient; ours must agree within 1e-4, measured per tensor as
 * max |ours - reference| / max |reference|, with the portable kernels and, when the addon is built, the native ones.
 * Skipped when /usr/bin/python3 cannot import torch, unless W2S_PARITY=require (what `npm run parity` sets), which
 * turns a missing torch into a failure.
 */
const PYTHON = '/usr/bin/python3';
const ORACLE = join(import.meta.dirname, '..', '..', 'parity', 'oracle.py');
const required = process.env.W2S_PARITY === 'require';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const TOLERANCE = 1e-4;

const native = loadNativeKernels().kernels;
const IMPLEMENTATIONS: Kernels[] = native ? [portableKernels, native] : [portableKernels];

interface Case {
  kernels: Kernels;
  config: LlamaConfig;
  lora: LoraConfig | null;
  examples: ClmExample[];
}

function runCase({ kernels, config, lora, examples }: Case): Map<string, number> {
  const model: LlamaModel = randomModel(config, 31, kernels);
  let adapter: LoraAdapter | null = null;
  if (lora) {
    adapter = new LoraAdapter(config, lora);
    const rng = new Rng(32);
    for (let i = 0; i < adapter.params.length; i++) adapter.params[i] = 0.3 * gaussian(rng);
    model.attachLora(adapter);
  }
  const B = examples.length;
  const maxT = Math.max(...examples.map((e) => e.ids.length));
  const ws = model.workspace(B, maxT);
  const T = packBatch(ws, examples, B, 0);
  model.forward(ws, B, T, adapter ? { seed: 33, keys: examples.map((_, i) => String(i)) } : null);
  const logits = new Float32Array(B * T * config.vocab_size);
  model.logits(ws, logits);
  const grad = new Float32Array(adapter ? adapter.params.length : model.params.length);
  const loss = clmHead(model, ws, true, adapter ? null : grad);
  model.backward(ws, adapter ? { base: null, lora: grad } : { base: grad, lora: null });

  const dir = mkdtempSync(join(tmpdir(), 'w2s-parity-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(toHfConfigJson(config)));
    writeSafetensors(join(dir, 'model.safetensors'), model.tensors());
    const inputIds = Array.from({ length: B }, (_, b) => Array.from(ws.tokens.subarray(b * T, (b + 1) * T)));
    const batch: Record<string, unknown> = {
      input_ids: inputIds,
      lengths: examples.map((e) => e.ids.length),
      prompt_lengths: examples.map((e) => e.promptLength),
      weights: examples.map((e) => e.weight),
      lora: lora ? { r: lora.r, lora_alpha: lora.alpha, lora_dropout: lora.dropout, target_modules: lora.targetModules } : null,
    };
    writeFileSync(join(dir, 'batch.json'), JSON.stringify(batch));
    if (adapter) {
      writeSafetensors(join(dir, 'adapter_model.safetensors'), adapter.tensors());
      const masks: TensorMap = new Map();
      adapter.byLayer.forEach((mods, l) =>
        mods.forEach((m, i) => {
          const mask = ws.layers[l]!.lora[i]!.mask;
          if (mask) masks.set(`mask.${m.path}`, { shape: [B * T, m.inF], data: Float32Array.from(mask.subarray(0, B * T * m.inF)) });
        }),
      );
      if (masks.size > 0) writeSafetensors(join(dir, 'masks.safetensors'), masks);
    }
    const run = spawnSync(PYTHON, [ORACLE, dir], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '2' },
    });
    expect(run.status, `oracle failed:\n${run.stderr}`).toBe(0);
    const ref = readSafetensors(join(dir, 'out.safetensors')).tensors;
    const errors = new Map<string, number>();
    errors.set('logits', relativeError(logits, ref.get('logits')!.data));
    errors.set('loss', relativeError([loss], ref.get('loss')!.data));
    const named = adapter ? adapter.tensors() : model.tensors();
    for (const [name, t] of named) {
      const offset = t.data.byteOffset / 4;
      const ours = grad.subarray(offset, offset + t.data.length);
      const theirs = ref.get(`grad.${name}`);
      expect(theirs, `oracle has no gradient for ${name}`).toBeDefined();
      errors.set(`grad ${name}`, relativeError(ours, theirs!.data));
    }
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectAgreement(kernels: Kernels, errors: Map<string, number>): void {
  const worst = [...errors].sort((a, b) => b[1] - a[1])[0]!;
  for (const [name, err] of errors) expect(err, `${kernels.name} ${name}: relative error ${err}`).toBeLessThan(TOLERANCE);
  expect(errors.size).toBeGreaterThan(3);
  console.log(`parity (${kernels.name}): ${errors.size} tensors, worst ${worst[0]} at ${worst[1].toExponential(2)}`);
}

describe.skipIf(!hasTorch && !required)('parity with PyTorch (parity/oracle.py)', () => {
  it('finds torch when parity is required', () => {
    expect(hasTorch, `${PYTHON} cannot import torch`).toBe(true);
  });

  it.each(IMPLEMENTATIONS)('agrees on logits, loss and every gradient: untied, grouped KV heads, full fine-tuning ($name)', (kernels) => {
    const config = tinyConfig({ vocab_size: 37, hidden_size: 32, intermediate_size: 48, num_attention_heads: 4, num_key_value_heads: 2 });
    expectAgreement(kernels, runCase({ kernels, config, lora: null, examples: randomExamples(config, 5, 41, 12) }));
  });

  it.each(IMPLEMENTATIONS)('agrees on sequences longer than one attention block (70 tokens), grouped KV heads ($name)', (kernels) => {
    const config = tinyConfig({ vocab_size: 41, hidden_size: 32, intermediate_size: 48, max_position_embeddings: 128 });
    expectAgreement(kernels, runCase({ kernels, config, lora: null, examples: randomExamples(config, 3, 45, 70) }));
  });

  it.each(IMPLEMENTATIONS)('agrees with tied embeddings, explicit head_dim and a large rope_theta, full fine-tuning ($name)', (kernels) => {
    const config = tinyConfig({
      vocab_size: 29,
      hidden_size: 24,
      intermediate_size: 40,
      num_attention_heads: 4,
      num_key_value_heads: 4,
      head_dim: 8,
      tie_word_embeddings: true,
      rope_theta: 500000,
      rms_norm_eps: 1e-6,
      num_hidden_layers: 3,
    });
    expectAgreement(kernels, runCase({ kernels, config, lora: null, examples: randomExamples(config, 4, 42, 10) }));
  });

  it.each(IMPLEMENTATIONS)('agrees on LoRA A and B gradients for every target module, with dropout masks ($name)', (kernels) => {
    const config = tinyConfig({ vocab_size: 31, hidden_size: 32, intermediate_size: 40 });
    const lora: LoraConfig = {
      r: 4,
      alpha: 8,
      dropout: 0.1,
      targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    };
    expectAgreement(kernels, runCase({ kernels, config, lora, examples: randomExamples(config, 4, 43, 11) }));
  });

  it('takes the same AdamW steps as torch.optim.AdamW with a linear schedule (decayed and exempt groups)', () => {
    const rng = new Rng(44);
    const n = 6;
    const init = Array.from({ length: n }, () => gaussian(rng));
    const grads = Array.from({ length: 5 }, () => Array.from({ length: n }, () => 0.1 * gaussian(rng)));
    const lrAt = linearSchedule(0.05, 5, 1);
    const params = Float32Array.from(init);
    const opt = new AdamW(n, [
      { offset: 0, size: 4, decay: true },
      { offset: 4, size: 2, decay: false },
    ], { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
    grads.forEach((g, s) => opt.step(params, Float32Array.from(g), lrAt(s)));
    const script = [
      'import json, sys, torch',
      'd = json.load(sys.stdin)',
      'p = torch.tensor(d["init"], dtype=torch.float64)',
      'a, b = p[:4].clone().requires_grad_(), p[4:].clone().requires_grad_()',
      'opt = torch.optim.AdamW([{"params": [a], "weight_decay": 0.01}, {"params": [b], "weight_decay": 0.0}], lr=0.05, betas=(0.9, 0.999), eps=1e-8)',
      'sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / 1 if s < 1 else max(0.0, (5 - s) / 4))',
      'for g in d["grads"]:',
      '    a.grad = torch.tensor(g[:4], dtype=torch.float64); b.grad = torch.tensor(g[4:], dtype=torch.float64)',
      '    opt.step(); sched.step()',
      'print(json.dumps(a.tolist() + b.tolist()))',
    ].join('\n');
    const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ init, grads }), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const ref = JSON.parse(run.stdout) as number[];
    expect(relativeError(params, ref)).toBeLessThan(1e-6);
  });
});
