import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { readCheckpointConfig } from '../../../src/engine/formats/checkpoint.js';
import { parseLlamaConfig } from '../../../src/engine/config.js';
import { gaussian, type TensorMap } from '../../../src/engine/params.js';
import type { LoraConfig } from '../../../src/engine/lora.js';
import { loadAdapter, loraParamShapes, peftParamName, saveAdapter } from '../../../src/engine/formats/peft.js';
import { writeSafetensors } from '../../../src/engine/formats/safetensors.js';
import { expectBadInput, expected, FIXTURES, float32Digest, tempDir } from './helpers.js';

const MODEL = parseLlamaConfig({
  vocab_size: 64,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
});
const LORA: LoraConfig = { r: 4, alpha: 8, dropout: 0.05, targetModules: ['q_proj', 'v_proj', 'down_proj'] };

function randomAdapter(lora = LORA): TensorMap {
  const rng = new Rng(3);
  const params: TensorMap = new Map();
  for (const [name, shape] of loraParamShapes(MODEL, lora)) {
    params.set(name, { shape, data: new Float32Array(shape[0]! * shape[1]!).map(() => gaussian(rng)) });
  }
  return params;
}

describe('PEFT LoRA adapters', () => {
  it('names tensors as PEFT saves them: adapter name removed, A is (r, in), B is (out, r)', () => {
    expect(peftParamName(3, 'q_proj', 'A')).toBe('base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight');
    expect(peftParamName(0, 'down_proj', 'B')).toBe('base_model.model.model.layers.0.mlp.down_proj.lora_B.weight');
    const shapes = loraParamShapes(MODEL, LORA);
    expect(shapes.size).toBe(2 * 3 * 2);
    expect(shapes.get(peftParamName(1, 'v_proj', 'A'))).toEqual([4, 16]);
    expect(shapes.get(peftParamName(1, 'v_proj', 'B'))).toEqual([8, 4]);
    expect(shapes.get(peftParamName(0, 'down_proj', 'A'))).toEqual([4, 24]);
    expect(shapes.get(peftParamName(0, 'down_proj', 'B'))).toEqual([16, 4]);
  });

  it('round-trips config and tensors', () => {
    const dir = join(tempDir(), 'adapter');
    const params = randomAdapter();
    saveAdapter(dir, { config: LORA, baseModel: 'tiny', params }, MODEL);
    expect(readdirSync(dir).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const json = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
    expect(json).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: 'tiny', r: 4, lora_alpha: 8, lora_dropout: 0.05, bias: 'none', target_modules: LORA.targetModules });
    const back = loadAdapter(dir, MODEL);
    expect(back.config).toEqual(LORA);
    expect(back.baseModel).toBe('tiny');
    for (const [name, t] of params) expect([...back.params.get(name)!.data]).toEqual([...t.data]);
  });

  it('reads an adapter PEFT wrote', () => {
    const want = expected().lora;
    const model = readCheckpointConfig(join(FIXTURES, 'hf-tiny-llama'));
    const adapter = loadAdapter(join(FIXTURES, 'hf-tiny-lora'), model);
    expect(adapter.config).toMatchObject({ r: 2, alpha: 4, dropout: 0.05 });
    expect([...adapter.config.targetModules].sort()).toEqual(['q_proj', 'v_proj']);
    expect(new Set(adapter.params.keys())).toEqual(new Set(Object.keys(want.tensors)));
    for (const [name, digest] of Object.entries(want.tensors)) expect(float32Digest(adapter.params.get(name)!.data)).toBe(digest.sha256);
  });

  it('rejects LoRA variants the engine does not implement, naming the field', () => {
    const dir = join(tempDir(), 'adapter');
    saveAdapter(dir, { config: LORA, baseModel: null, params: randomAdapter() }, MODEL);
    const file = join(dir, 'adapter_config.json');
    const original = JSON.parse(readFileSync(file, 'utf8'));
    const cases: [Record<string, unknown>, string][] = [
      [{ use_rslora: true }, 'use_rslora'],
      [{ use_dora: true }, 'use_dora'],
      [{ bias: 'all' }, 'bias'],
      [{ target_modules: '.*proj' }, 'target_modules'],
      [{ target_modules: ['q_proj', 'lm_head'] }, 'target_modules.1'],
      [{ peft_type: 'IA3' }, 'peft_type'],
      [{ rank_pattern: { q_proj: 8 } }, 'rank_pattern'],
      [{ modules_to_save: ['lm_head'] }, 'modules_to_save'],
    ];
    for (const [edit, field] of cases) {
      writeFileSync(file, JSON.stringify({ ...original, ...edit }));
      expectBadInput(() => loadAdapter(dir, MODEL), file, `field "${field}"`);
    }
  });

  it('rejects tensors that do not match the config and model, naming file and tensor', () => {
    const dir = join(tempDir(), 'adapter');
    saveAdapter(dir, { config: LORA, baseModel: null, params: randomAdapter() }, MODEL);
    const weights = join(dir, 'adapter_model.safetensors');
    const params = randomAdapter();
    const a = peftParamName(1, 'q_proj', 'A');

    params.set(a, { shape: [4, 8], data: new Float32Array(32) });
    writeSafetensors(weights, params);
    expectBadInput(() => loadAdapter(dir, MODEL), weights, `field "${a}"`, 'shape [4, 8]');

    params.delete(a);
    writeSafetensors(weights, params);
    expectBadInput(() => loadAdapter(dir, MODEL), `field "${a}"`, 'missing');

    const extra = randomAdapter();
    extra.set(peftParamName(0, 'k_proj', 'A'), { shape: [4, 16], data: new Float32Array(64) });
    writeSafetensors(weights, extra);
    expectBadInput(() => loadAdapter(dir, MODEL), 'k_proj.lora_A.weight', 'not a LoRA matrix of this adapter config');

    expectBadInput(() => saveAdapter(join(tempDir(), 'x'), { config: LORA, baseModel: null, params: extra }, MODEL), 'k_proj.lora_A.weight');
  });
});
