import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { W2sError } from '../../src/errors.js';
import { generate, scoreContinuations } from '../../src/engine/generate.js';
import { InferenceState, step } from '../../src/engine/kv-cache.js';
import { loadNativeKernels } from '../../src/engine/kernels/native.js';
import { portableKernels } from '../../src/engine/kernels/portable.js';
import type { Kernels } from '../../src/engine/kernels/types.js';
import { LoraAdapter } from '../../src/engine/lora.js';
import type { LlamaModel } from '../../src/engine/model.js';
import { gaussian } from '../../src/engine/params.js';
import { randomModel, tinyConfig } from './helpers.js';

/** Logits of every position from the training forward pass (no cache, no padding): the reference path. */
function fullLogits(model: LlamaModel, ids: number[]): Float32Array {
  const ws = model.workspace(1, ids.length);
  ws.tokens.set(ids);
  model.forward(ws, 1, ids.length, null);
  const out = new Float32Array(ids.length * model.config.vocab_size);
  model.logits(ws, out);
  return out;
}

/** Greedy decoding by recomputing the full forward pass for every new token. */
function greedyReference(model: LlamaModel, prompt: number[], n: number): number[] {
  const V = model.config.vocab_size;
  const seq = [...prompt];
  for (let i = 0; i < n; i++) {
    const logits = fullLogits(model, seq).subarray((seq.length - 1) * V);
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[v]! > logits[best]!) best = v;
    seq.push(best);
  }
  return seq.slice(prompt.length);
}

function prompts(vocab: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return [5, 1, 40, 3, 6].map((len) => Array.from({ length: len }, () => rng.int(vocab)));
}

function withLora(model: LlamaModel): LlamaModel {
  const ad = new LoraAdapter(model.config, { r: 2, alpha: 4, dropout: 0.1, targetModules: ['q_proj', 'v_proj', 'down_proj'] });
  const rng = new Rng(9);
  for (let i = 0; i < ad.params.length; i++) ad.params[i] = 0.3 * gaussian(rng);
  model.attachLora(ad);
  return model;
}

const V = 13;
const config = tinyConfig({ vocab_size: V, max_position_embeddings: 64 });
const native = loadNativeKernels().kernels;
const IMPLEMENTATIONS: Kernels[] = native ? [portableKernels, native] : [portableKernels];

describe('generation', () => {
  for (const [label, make] of IMPLEMENTATIONS.flatMap((k) => [
    [`base model, ${k.name} kernels`, () => randomModel(config, 21, k)],
    [`model with a LoRA adapter, ${k.name} kernels`, () => withLora(randomModel(config, 22, k))],
  ] as const)) {
    it(`greedy with the KV cache, batched and left-padded, equals recomputing the full forward (${label})`, () => {
      const model = make();
      const ps = prompts(V, 1);
      const want = ps.map((p) => greedyReference(model, p, 12));
      // Batches of 2 share one cache (prompts of 5 and 1 tokens, then 40 and 3): the second batch sees nothing of the first.
      for (const batchSize of [4, 2]) {
        const got = generate(model, ps, { maxNewTokens: 12, eosTokenIds: [], batchSize });
        ps.forEach((p, i) => {
          expect(got[i]!.tokens, `batches of ${batchSize}, prompt ${i}`).toEqual(want[i]);
          expect(got[i]!.finishReason).toBe('length');
        });
      }
      const got = generate(model, ps, { maxNewTokens: 12, eosTokenIds: [], batchSize: 4 });
      // Not a constant sequence: the check would be vacuous if every step produced the same token.
      expect(new Set(got.flatMap((g) => g.tokens)).size).toBeGreaterThan(3);
    });
  }

  for (const k of IMPLEMENTATIONS) {
    it(`gives each prompt's next-token logits as the full forward does, though its last layer runs on the last positions only (${k.name} kernels)`, () => {
      const model = withLora(randomModel(config, 23, k));
      const ps = prompts(V, 2);
      const T0 = Math.max(...ps.map((p) => p.length));
      const s = new InferenceState(model, ps.length, T0, T0 + 1);
      ps.forEach((p, b) => {
        s.padLeft[b] = T0 - p.length;
        for (let t = 0; t < T0; t++) s.tokens[b * T0 + t] = t < T0 - p.length ? 0 : p[t - (T0 - p.length)]!;
      });
      step(model, s, T0);
      ps.forEach((p, b) => {
        const want = fullLogits(model, p).subarray((p.length - 1) * V);
        const got = s.logits.subarray(b * V, b * V + V);
        for (let v = 0; v < V; v++) expect(Math.abs(got[v]! - want[v]!), `prompt ${b}, token ${v}`).toBeLessThan(2e-5);
      });
    });
  }

  it('gives the same samples batched as one by one (seeded per prompt)', () => {
    const model = randomModel(config, 23);
    const ps = prompts(V, 2);
    const opts = { maxNewTokens: 10, temperature: 0.9, topK: 8, topP: 0.95, seed: 5, eosTokenIds: [] };
    const batched = generate(model, ps, { ...opts, batchSize: 5 });
    const single = generate(model, ps, { ...opts, batchSize: 1 });
    expect(batched.map((g) => g.tokens)).toEqual(single.map((g) => g.tokens));
    const otherSeed = generate(model, ps, { ...opts, seed: 6 });
    expect(otherSeed.map((g) => g.tokens)).not.toEqual(batched.map((g) => g.tokens));
  });

  it('samples only among the top-k tokens', () => {
    const model = randomModel(config, 24);
    const p = [3, 4, 5];
    const logits = fullLogits(model, p).subarray(2 * V);
    const top2 = Array.from(logits, (x, v) => [x, v] as const).sort((a, b) => b[0] - a[0]).slice(0, 2).map((e) => e[1]);
    const firsts = new Set<number>();
    for (let seed = 0; seed < 30; seed++) {
      firsts.add(generate(model, [p], { maxNewTokens: 1, temperature: 5, topK: 2, seed, eosTokenIds: [] })[0]!.tokens[0]!);
    }
    expect([...firsts].sort()).toEqual([...top2].sort());
  });

  it('stops at end-of-sequence tokens, stop sequences and stop strings', () => {
    const model = randomModel(config, 25);
    const decode = (ids: number[]): string => ids.map((i) => String.fromCharCode(97 + i)).join('');
    const p = [2, 7, 1];
    const free = generate(model, [p], { maxNewTokens: 12, eosTokenIds: [] })[0]!.tokens;
    const k = free.findIndex((t, i) => i >= 2 && !free.slice(0, i).includes(t));
    expect(k).toBeGreaterThanOrEqual(2);

    const eos = generate(model, [p], { maxNewTokens: 12, eosTokenIds: [free[k]!] })[0]!;
    expect(eos).toEqual({ tokens: free.slice(0, k), finishReason: 'eos' });

    const seq = generate(model, [p], { maxNewTokens: 12, eosTokenIds: [], stopSequences: [free.slice(k - 1, k + 1)] })[0]!;
    expect(seq.tokens).toEqual(free.slice(0, k + 1));
    expect(seq.finishReason).toBe('stop');

    const stop = decode([free[k]!]);
    const str = generate(model, [p], { maxNewTokens: 12, eosTokenIds: [], stopStrings: [stop], decode })[0]!;
    expect(str.tokens).toEqual(free.slice(0, k + 1));
    expect(str.text).toBe(decode(free.slice(0, k)));
    expect(str.finishReason).toBe('stop');

    const none = generate(model, [p], { maxNewTokens: 0 })[0]!;
    expect(none.tokens).toEqual([]);
  });

  it('scores continuations as the sum of per-token log-probabilities of the full forward pass, with each token\'s distance from the greedy choice', () => {
    const model = withLora(randomModel(config, 26));
    const items = [
      { context: [1, 2, 3], continuation: [4, 5] },
      { context: [7], continuation: [8, 9, 10, 11] },
      { context: [3, 3, 3, 3, 3, 3], continuation: [0] },
      { context: [6, 5], continuation: [] },
    ];
    const got = scoreContinuations(model, items, { batchSize: 3 });
    items.forEach((it, i) => {
      const seq = [...it.context, ...it.continuation];
      const logits = fullLogits(model, seq);
      let sum = 0;
      let greedy = true;
      const per: number[] = [];
      const gaps: number[] = [];
      it.continuation.forEach((tok, j) => {
        const row = logits.subarray((it.context.length - 1 + j) * V, (it.context.length + j) * V);
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
        per.push(row[tok]! - lse);
        sum += row[tok]! - lse;
        gaps.push(max - row[tok]!);
        if (row.indexOf(max) !== tok) greedy = false;
      });
      expect(got[i]!.tokenLogProbs.length).toBe(it.continuation.length);
      got[i]!.tokenLogProbs.forEach((lp, j) => expect(lp).toBeCloseTo(per[j]!, 5));
      expect(got[i]!.logLikelihood).toBeCloseTo(sum, 5);
      expect(got[i]!.isGreedy).toBe(greedy);
      expect(got[i]!.greedyGaps.length).toBe(it.continuation.length);
      got[i]!.greedyGaps.forEach((gap, j) => expect(gap).toBeCloseTo(gaps[j]!, 5));
    });
  });

  it('rejects empty prompts and out-of-vocabulary tokens with a W2sError', () => {
    const model = randomModel(config, 27);
    expect(() => generate(model, [[]], { maxNewTokens: 2 })).toThrow(W2sError);
    expect(() => generate(model, [[V]], { maxNewTokens: 2 })).toThrow(/outside the vocabulary/);
    expect(() => scoreContinuations(model, [{ context: [], continuation: [1] }])).toThrow(W2sError);
  });
});
