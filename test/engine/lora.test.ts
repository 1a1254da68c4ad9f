import { describe, expect, it } from 'vitest';
import { W2sError } from '../../src/errors.js';
import { LoraAdapter, PAPER_LORA } from '../../src/engine/lora.js';
import { tinyConfig } from './helpers.js';

const config = tinyConfig();

describe('LoRA adapter', () => {
  it('initialises like PEFT: A uniform in +-1/sqrt(in), B zero, scaling alpha / r', () => {
    const ad = LoraAdapter.init(config, { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'down_proj'] }, 3);
    expect(ad.scaling).toBe(2);
    for (const m of ad.modules) {
      const a = ad.params.subarray(m.a, m.a + 4 * m.inF);
      const bound = 1 / Math.sqrt(m.inF);
      expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.8 * bound);
      expect(ad.params.subarray(m.b, m.b + m.outF * 4).every((x) => x === 0)).toBe(true);
    }
    const other = LoraAdapter.init(config, { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'down_proj'] }, 4);
    expect(other.params).not.toEqual(ad.params);
  });

  it('names its tensors as PEFT does, with PEFT shapes, for the default q_proj/v_proj targets', () => {
    const ad = new LoraAdapter(config, PAPER_LORA);
    const t = ad.tensors();
    expect([...t.keys()]).toEqual([
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight',
      'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight',
      'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight',
      'base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight',
      'base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight',
      'base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight',
      'base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight',
      'base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight',
    ]);
    expect(t.get('base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight')!.shape).toEqual([16, 16]);
    // v_proj has num_key_value_heads * head_dim = 2 * 4 outputs.
    expect(t.get('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight')!.shape).toEqual([8, 16]);
  });

  it('loads only complete, matching tensor sets', () => {
    const src = LoraAdapter.init(config, PAPER_LORA, 1);
    const dst = new LoraAdapter(config, PAPER_LORA);
    dst.load(src.tensors());
    expect(dst.params).toEqual(src.params);
    const missing = src.tensors();
    missing.delete('base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight');
    expect(() => dst.load(missing, 'adapter_model.safetensors')).toThrow(/adapter_model.safetensors.*missing/);
    const extra = src.tensors();
    extra.set('base_model.model.model.layers.0.mlp.up_proj.lora_A.weight', { shape: [16, 16], data: new Float32Array(256) });
    expect(() => dst.load(extra)).toThrow(W2sError);
    const wrong = src.tensors();
    wrong.set('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', { shape: [8, 32], data: new Float32Array(256) });
    expect(() => dst.load(wrong)).toThrow(/shape/);
  });
});
