import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CURRENT_PRESETS, INSTRUCT_PRESETS, isChatPreset, isModelPreset, MODEL_PAIRS, MODEL_PRESETS, PAPER_PRESETS, PAPER_SFT, PRESET_ARCHITECTURES, resolveModelName, usesChatTemplate } from '../../../src/backends/hf/presets.js';
import { PACKAGE_ROOT } from '../../../src/backends/hf/python.js';
import { PAPER_LORA } from '../../../src/engine/lora.js';

describe('model presets', () => {
  it("map the paper's four models to their hub ids and leave other names alone", () => {
    expect(resolveModelName('llama2-7b')).toBe('meta-llama/Llama-2-7b-hf');
    expect(resolveModelName('llama2-13b')).toBe('meta-llama/Llama-2-13b-hf');
    expect(resolveModelName('mistral-7b')).toBe('mistralai/Mistral-7B-v0.1');
    expect(resolveModelName('llama3-8b')).toBe('meta-llama/Meta-Llama-3-8B');
    for (const name of ['meta-llama/Llama-2-7b-hf', 'runs/exp/weak', '/abs/model', 'Llama2-7B', 'toString', 'constructor']) {
      expect(resolveModelName(name)).toBe(name);
      expect(isModelPreset(name)).toBe(false);
    }
  });

  it("list the paper's weak -> strong pairs, every name a preset", () => {
    expect(MODEL_PAIRS.map((p) => `${p.weak}->${p.strong}`)).toEqual(['llama2-7b->llama2-13b', 'llama2-7b->mistral-7b', 'llama2-7b->llama3-8b', 'mistral-7b->llama3-8b']);
    for (const pair of MODEL_PAIRS) expect(Object.keys(MODEL_PRESETS)).toEqual(expect.arrayContaining([pair.weak, pair.strong]));
  });

  it('add current open base models by family, each an architecture whose tiny checkpoint the sidecar is tested on', () => {
    expect(resolveModelName('llama3.1-8b')).toBe('meta-llama/Llama-3.1-8B');
    expect(resolveModelName('llama3.2-1b')).toBe('meta-llama/Llama-3.2-1B');
    expect(resolveModelName('qwen2.5-7b')).toBe('Qwen/Qwen2.5-7B');
    expect(resolveModelName('qwen3-8b')).toBe('Qwen/Qwen3-8B-Base');
    expect(resolveModelName('mistral-7b-v0.3')).toBe('mistralai/Mistral-7B-v0.3');
    expect(resolveModelName('gemma2-9b')).toBe('google/gemma-2-9b');
    expect(Object.keys(MODEL_PRESETS)).toEqual([...Object.keys(PAPER_PRESETS), ...Object.keys(CURRENT_PRESETS), ...Object.keys(INSTRUCT_PRESETS)]);
    // Base models only, as the paper's: no instruction-tuned checkpoints (App. B prompts are raw text).
    for (const id of Object.values(CURRENT_PRESETS)) expect(id).not.toMatch(/instruct|-it$|chat/i);
    expect(Object.keys(PRESET_ARCHITECTURES).sort()).toEqual(Object.keys(CURRENT_PRESETS).sort());
    const tiny = readFileSync(join(PACKAGE_ROOT, 'python', 'checks', 'tiny_models.py'), 'utf8');
    for (const family of new Set(Object.values(PRESET_ARCHITECTURES))) expect(tiny, family).toContain(`"${family}": {`);
  });

  it('add instruct models of the current families, the only presets rendered with their chat template by default', () => {
    expect(resolveModelName('llama3.1-8b-instruct')).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(resolveModelName('qwen2.5-7b-instruct')).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(resolveModelName('mistral-7b-instruct-v0.3')).toBe('mistralai/Mistral-7B-Instruct-v0.3');
    for (const [name, id] of Object.entries(INSTRUCT_PRESETS)) {
      expect(id).toMatch(/-Instruct(-v[\d.]+)?$/);
      expect(isChatPreset(name) && usesChatTemplate(name)).toBe(true);
      // Each is the instruct sibling of a base preset of the same family.
      expect(Object.keys(CURRENT_PRESETS)).toContain(name.replace('-instruct', ''));
    }
    for (const name of [...Object.keys(PAPER_PRESETS), ...Object.keys(CURRENT_PRESETS), 'runs/x', 'Qwen/Qwen2.5-7B-Instruct']) {
      expect(usesChatTemplate(name), name).toBe(false);
      expect(usesChatTemplate(name, true), name).toBe(true);
    }
  });

  it("hold App. C's training settings", () => {
    expect(PAPER_SFT).toEqual({ learningRate: 5e-5, batchSize: 24, epochs: 3, schedule: 'linear', warmupSteps: 0, lora: PAPER_LORA, seed: 0 });
    expect(PAPER_SFT.lora).toEqual({ r: 16, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] });
  });
});
