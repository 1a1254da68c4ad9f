import { describe, expect, it } from 'vitest';
import { type ClmExample, clmHead, completionTokens, packBatch } from '../../src/engine/loss.js';
import type { LlamaModel } from '../../src/engine/model.js';
import { randomModel, tinyConfig } from './helpers.js';

const config = tinyConfig();
const V = config.vocab_size;

function loss(model: LlamaModel, examples: ClmExample[], denominator = examples.length, padId = 0): number {
  const ws = model.workspace(examples.length, Math.max(...examples.map((e) => e.ids.length)));
  const T = packBatch(ws, examples, denominator, padId);
  model.forward(ws, examples.length, T, null);
  return clmHead(model, ws, false, null);
}

/** Eq. 1 for one example, from the logits of a forward pass over that example alone. */
function exampleLoss(model: LlamaModel, ex: ClmExample): number {
  const T = ex.ids.length;
  const ws = model.workspace(1, T);
  ws.tokens.set(ex.ids);
  model.forward(ws, 1, T, null);
  const logits = new Float32Array(T * V);
  model.logits(ws, logits);
  let sum = 0;
  let n = 0;
  for (let t = Math.max(ex.promptLength, 1); t < T; t++) {
    const row = logits.subarray((t - 1) * V, t * V);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
    sum += lse - row[ex.ids[t]!]!;
    n++;
  }
  return n > 0 ? sum / n : 0;
}

describe('weighted completion-only CLM loss', () => {
  const model = randomModel(config, 71);
  const examples: ClmExample[] = [
    { ids: [1, 4, 6, 8, 3], promptLength: 3, weight: 1 },
    { ids: [2, 9, 9], promptLength: 1, weight: 0.25 },
    { ids: [5, 5, 7, 1, 0, 11, 12], promptLength: 0, weight: 2 },
    { ids: [3, 4], promptLength: 2, weight: 5 },
  ];

  it('is (1/B) sum_i w_i L_i with L_i the mean over completion tokens only (Eq. 1 and 5)', () => {
    const expected = examples.reduce((a, ex) => a + ex.weight * exampleLoss(model, ex), 0) / examples.length;
    expect(loss(model, examples)).toBeCloseTo(expected, 5);
    expect(examples.map(completionTokens)).toEqual([2, 2, 6, 0]);
  });

  it('ignores weight-0 examples and the padding token', () => {
    const base = loss(model, examples);
    expect(loss(model, examples, examples.length, 11)).toBe(base);
    const zero = [...examples, { ids: [7, 7, 7, 7, 7, 7, 7, 7, 7, 7], promptLength: 2, weight: 0 }];
    expect(loss(model, zero, examples.length)).toBeCloseTo(base, 6);
    // Changing the completion does change it: the test above is not vacuous.
    const changedCompletion = examples.map((e, i) => (i === 0 ? { ...e, ids: [1, 4, 6, 8, 9] } : e));
    expect(loss(model, changedCompletion)).not.toBeCloseTo(base, 4);
  });

  it('divides by the given batch size, so micro-batches of one batch add up to it', () => {
    const whole = loss(model, examples);
    const parts = loss(model, examples.slice(0, 2), 4) + loss(model, examples.slice(2), 4);
    expect(parts).toBeCloseTo(whole, 6);
  });
});
