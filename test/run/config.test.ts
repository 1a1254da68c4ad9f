import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/backends/hf/python.js';
import { parseRunConfig, readRunConfigFile } from '../../src/run/config.js';
import { suiteFor } from '../../src/run/plans.js';
import { SUITE_DEFAULT } from '../../src/tasks/synthetic/suite.js';

describe('run configuration', () => {
  it('reads the shipped GPU example: the paper pair on MMLU with the hf engine under accelerate', () => {
    const file = join(PACKAGE_ROOT, 'examples', 'run-mmlu-gpu.yaml');
    const config = parseRunConfig(readRunConfigFile(file), file);
    expect(config).toMatchObject({ engine: 'hf', hf: { accelerate: 'multi-gpu' }, tasks: ['mmlu'], weak_model: 'llama2-7b', strong_model: 'mistral-7b' });
    expect(config.methods).toEqual(['naive', 'filter', 'filter-s', 'reweight', 'reweight-s', 'ceiling']);
  });

  it('defaults to the embedded suite on the built-in engine', () => {
    expect(parseRunConfig({})).toMatchObject({ suite: 'default', engine: 'builtin', tasks: ['knowledge', 'continuation', 'judgement', 'arithmetic'], data: [] });
  });

  it('takes SFT overrides in snake_case like every other key, and applies them to the recipe', () => {
    const suite = suiteFor(parseRunConfig({ weak_sft: { learning_rate: 0.01, warmup_steps: 3 }, strong_sft: { batch_size: 8, epochs: 2 } }));
    expect(suite.weak.sft).toEqual({ ...SUITE_DEFAULT.weak.sft, learningRate: 0.01, warmupSteps: 3 });
    expect(suite.strong.sft).toEqual({ ...SUITE_DEFAULT.strong.sft, batchSize: 8, epochs: 2 });
    expect(() => parseRunConfig({ weak_sft: { learningRate: 0.01 } }, 'my.yaml')).toThrow(/my\.yaml, field "weak_sft".*learningRate/);
  });

  it('names the field of a bad setting', () => {
    expect(() => parseRunConfig({ engine: 'tpu' }, 'my.yaml')).toThrow(/my\.yaml, field "engine"/);
    expect(() => parseRunConfig({ hf: { acelerate: 'multi-gpu' } }, 'my.yaml')).toThrow(/my\.yaml, field "hf"/);
  });

  it('refuses, before anything runs, more variations than a task can make (exit 2, naming the field)', () => {
    expect(() => parseRunConfig({ variations: { knowledge: 100 } }, 'my.yaml')).toThrow(/my\.yaml, field "variations\.knowledge".*at most 24 variations, got 100/);
    expect(() => parseRunConfig({ variations: { judgement: 3 } })).toThrow(/at most 2 variations/);
    expect(() => parseRunConfig({ variations: { arithmetic: 7 } })).toThrow(/at most 6 variations/);
    expect(parseRunConfig({ variations: { knowledge: 24, arithmetic: 6 } }).variations).toEqual({ knowledge: 24, arithmetic: 6 });
  });

  it('runs three seeds on the embedded suite unless told otherwise, one on the quick suite and on the paper\'s tasks', () => {
    expect(parseRunConfig({}).seeds).toBe(3);
    expect(parseRunConfig({ suite: 'control' }).seeds).toBe(3);
    expect(parseRunConfig({ suite: 'quick' }).seeds).toBe(1);
    expect(parseRunConfig({ seeds: 2 }).seeds).toBe(2);
    const checkpoint = join(PACKAGE_ROOT, 'test', 'engine', 'formats', 'fixtures', 'hf-tiny-llama');
    expect(parseRunConfig({ tasks: ['mmlu'], weak_model: checkpoint, strong_model: checkpoint }).seeds).toBe(1);
  });
});
