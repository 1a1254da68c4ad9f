import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainSft } from '../../src/backends/builtin.js';
import { BuiltinTrainer } from '../../src/backends/builtin-trainer.js';
import type { SftSettings, TrainProgress } from '../../src/backends/types.js';
import type { SftRow } from '../../src/core/types.js';
import { PAPER_LORA } from '../../src/engine/lora.js';
import { trainTinyLm } from '../engine/tiny-lm.js';

let checkpoint: string;
const dir = (): string => mkdtempSync(join(tmpdir(), 'w2s-builtin-trainer-'));

// Rows in the tiny model's vocabulary; weight-0 rows count in B but teach nothing.
const ROWS: SftRow[] = Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, prompt: i % 2 === 0 ? 'red' : 'cat dog', completion: i % 2 === 0 ? ' violet .' : ' fox .', weight: i % 3 === 0 ? 0 : 1 }));
const SETTINGS: SftSettings = { learningRate: 1e-2, batchSize: 4, epochs: 2, lora: { ...PAPER_LORA, dropout: 0 }, seed: 3 };

beforeAll(async () => {
  checkpoint = await trainTinyLm(dir());
});

describe('BuiltinTrainer', () => {
  it('trains as trainSft does, reporting every step, and returns the adapter on the base', async () => {
    const steps: TrainProgress[] = [];
    const out = join(dir(), 'adapter');
    const outcome = await new BuiltinTrainer().train({ checkpoint }, ROWS, SETTINGS, out, { onStep: (p) => steps.push(p) });
    const direct = await trainSft({ checkpoint }, ROWS, SETTINGS, join(dir(), 'direct'));

    expect(outcome.model).toEqual({ checkpoint, adapter: out });
    expect(outcome.steps).toBe(6);
    expect(steps.map((s) => [s.step, s.totalSteps])).toEqual([1, 2, 3, 4, 5, 6].map((s) => [s, 6]));
    expect(steps[0]!.loss).toBe(outcome.firstLoss);
    expect(steps[5]!.loss).toBe(outcome.lastLoss);
    expect([outcome.firstLoss, outcome.lastLoss]).toEqual([direct.firstLoss, direct.lastLoss]);
    expect(steps[0]!.learningRate).toBeCloseTo(1e-2, 12);
    expect(outcome.lastLoss).toBeLessThan(outcome.firstLoss);
    expect(readdirSync(out).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
  });

  it('writes a full checkpoint when LoRA is off', async () => {
    const out = join(dir(), 'full');
    const outcome = await new BuiltinTrainer().train({ checkpoint }, ROWS, { ...SETTINGS, lora: null, learningRate: 1e-3, maxSteps: 2 }, out);
    expect(outcome.model).toEqual({ checkpoint: out });
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json']));
  });

  it('stops between steps when aborted, writing nothing', async () => {
    const out = join(dir(), 'stopped');
    const stop = new AbortController();
    const run = new BuiltinTrainer().train({ checkpoint }, ROWS, SETTINGS, out, { signal: stop.signal, onStep: (p) => p.step === 2 && stop.abort(new Error('stop')) });
    await expect(run).rejects.toThrow('stop');
    expect(existsSync(out)).toBe(false);
    await expect(new BuiltinTrainer().train({ checkpoint }, ROWS, SETTINGS, out, { signal: stop.signal })).rejects.toThrow('stop');
  });
});
