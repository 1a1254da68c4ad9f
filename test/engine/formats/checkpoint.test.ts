import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { loadCheckpoint, saveCheckpoint } from '../../../src/engine/formats/checkpoint.js';
import { buildClosedVocabularyTokenizer } from '../../../src/engine/tokenizers/closed-vocabulary.js';
import { type LlamaConfig, parseLlamaConfig } from '../../../src/engine/config.js';
import { initParameters, paramLayout, tensorViews, type TensorMap } from '../../../src/engine/params.js';
import { readSafetensorsHeader, writeSafetensors } from '../../../src/engine/formats/safetensors.js';
import { expectBadInput, expected, FIXTURES, float32Digest, tempDir } from './helpers.js';

const WORDS = ['is', 'the', 'wug', 'blue', 'red', 'yes', 'no', 'Question', 'Answer', ':', '?'];

function tinyModel(overrides: Record<string, unknown> = {}): { config: LlamaConfig; params: TensorMap } {
  const config = parseLlamaConfig({
    vocab_size: 300,
    hidden_size: 16,
    intermediate_size: 24,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 64,
    bos_token_id: 0,
    eos_token_id: 1,
    pad_token_id: 2,
    ...overrides,
  });
  const layout = paramLayout(config);
  const buffer = new Float32Array(layout.size);
  initParameters(config, layout, buffer, new Rng(7));
  return { config, params: tensorViews(layout, buffer) };
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips config, parameters (bit for bit) and tokenizer', async () => {
    const { config, params } = tinyModel();
    const tokenizer = buildClosedVocabularyTokenizer(WORDS, { bos: '<s>', eos: '</s>', pad: '<pad>' });
    const dir = join(tempDir(), 'ckpt');
    saveCheckpoint(dir, config, params, tokenizer);
    const back = loadCheckpoint(dir);
    expect(back.config).toEqual(config);
    expect([...back.params.keys()].sort()).toEqual([...params.keys()].sort());
    for (const [name, t] of params) {
      expect(back.params.get(name)!.shape).toEqual(t.shape);
      expect(bitsEqual(back.params.get(name)!.data, t.data)).toBe(true);
    }
    expect(back.tokenizer!.json).toBe(tokenizer.json);
    expect(await back.tokenizer!.encode('Question: is the wug blue?')).toEqual(await tokenizer.encode('Question: is the wug blue?'));
  });

  it('writes the files and fields transformers expects', () => {
    const { config, params } = tinyModel();
    const dir = join(tempDir(), 'ckpt');
    saveCheckpoint(dir, config, params, buildClosedVocabularyTokenizer(WORDS, { bos: '<s>', eos: '</s>' }));
    expect(readdirSync(dir).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(json).toMatchObject({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_act: 'silu',
      torch_dtype: 'float32',
      rope_scaling: null,
      attention_bias: false,
      num_key_value_heads: 2,
      tie_word_embeddings: false,
    });
    expect(JSON.parse(readFileSync(join(dir, 'generation_config.json'), 'utf8'))).toMatchObject({ bos_token_id: 0, eos_token_id: 1, pad_token_id: 2 });
    expect(readSafetensorsHeader(join(dir, 'model.safetensors')).metadata).toEqual({ format: 'pt' });
  });

  it('can store bfloat16 weights, and says so in config.json', () => {
    const { config, params } = tinyModel();
    const dir = join(tempDir(), 'ckpt');
    saveCheckpoint(dir, config, params, null, { dtype: 'BF16' });
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).torch_dtype).toBe('bfloat16');
    const back = loadCheckpoint(dir);
    expect(back.tokenizer).toBeNull();
    const w = back.params.get('model.layers.1.mlp.down_proj.weight')!.data;
    const original = params.get('model.layers.1.mlp.down_proj.weight')!.data;
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - original[i]!)).toBeLessThanOrEqual(Math.abs(original[i]!) * 2 ** -8);
  });

  it('writes tied models without lm_head.weight', () => {
    const { config, params } = tinyModel({ tie_word_embeddings: true });
    const dir = join(tempDir(), 'ckpt');
    saveCheckpoint(dir, config, params, null);
    expect(readSafetensorsHeader(join(dir, 'model.safetensors')).entries.has('lm_head.weight')).toBe(false);
    expect(loadCheckpoint(dir).config.tie_word_embeddings).toBe(true);
  });

  it('replaces an existing checkpoint whole, and leaves it untouched when saving fails', () => {
    const root = tempDir();
    const dir = join(root, 'ckpt');
    const first = tinyModel();
    saveCheckpoint(dir, first.config, first.params, null);
    const second = tinyModel({ rms_norm_eps: 1e-5 });
    saveCheckpoint(dir, second.config, second.params, null);
    expect(loadCheckpoint(dir).config.rms_norm_eps).toBe(1e-5);

    const broken = new Map(second.params);
    broken.delete('model.norm.weight');
    expectBadInput(() => saveCheckpoint(dir, second.config, broken, null), 'field "model.norm.weight"', 'missing');
    expect(loadCheckpoint(dir).config.rms_norm_eps).toBe(1e-5);
    expect(readdirSync(root)).toEqual(['ckpt']);
  });
});

describe('loading checkpoints written by transformers', () => {
  it('reads a sharded bfloat16 checkpoint and its tokenizer', async () => {
    const want = expected();
    const ckpt = loadCheckpoint(join(FIXTURES, 'hf-tiny-llama'));
    expect(ckpt.config).toMatchObject(want.llama.config);
    expect(want.llama.shards).toBeGreaterThan(1);
    expect(new Set(ckpt.params.keys())).toEqual(new Set(Object.keys(want.llama.tensors)));
    for (const [name, digest] of Object.entries(want.llama.tensors)) {
      expect(ckpt.params.get(name)!.shape).toEqual(digest.shape);
      expect(float32Digest(ckpt.params.get(name)!.data), name).toBe(digest.sha256);
    }
    expect(await ckpt.tokenizer!.encode(want.sample_texts[0]!)).toEqual(want.llama.token_ids[0]);
  });

  it('ignores saved rotary inverse frequencies and a duplicate lm_head of a tied model', () => {
    const { config, params } = tinyModel({ tie_word_embeddings: true });
    const dir = join(tempDir(), 'ckpt');
    saveCheckpoint(dir, config, params, null);
    const withExtras = new Map(params);
    withExtras.set('model.layers.0.self_attn.rotary_emb.inv_freq', { shape: [2], data: new Float32Array([1, 0.01]) });
    withExtras.set('lm_head.weight', params.get('model.embed_tokens.weight')!);
    writeSafetensors(join(dir, 'model.safetensors'), withExtras);
    expect(new Set(loadCheckpoint(dir).params.keys())).toEqual(new Set(params.keys()));

    withExtras.set('lm_head.weight', { shape: [300, 16], data: new Float32Array(300 * 16) });
    writeSafetensors(join(dir, 'model.safetensors'), withExtras);
    expectBadInput(() => loadCheckpoint(dir), 'model.safetensors', 'field "lm_head.weight"', 'differs');
  });
});

describe('bad checkpoints', () => {
  const saved = (): string => {
    const { config, params } = tinyModel();
    const dir = join(tempDir(), 'ckpt');
    saveCheckpoint(dir, config, params, null);
    return dir;
  };
  const editConfig = (dir: string, edit: Record<string, unknown>): void => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...edit }));
  };

  it('accepts the extra fields transformers writes', () => {
    const dir = saved();
    editConfig(dir, { rope_scaling: null, attention_bias: false, mlp_bias: false, head_dim: 4, pretraining_tp: 1, use_cache: true });
    expect(loadCheckpoint(dir).config.head_dim).toBe(4);
  });

  it('rejects model features the engine does not implement, naming the field', () => {
    const dir = saved();
    editConfig(dir, { rope_scaling: { type: 'linear', factor: 2 } });
    expectBadInput(() => loadCheckpoint(dir), join(dir, 'config.json'), 'field "rope_scaling"');
    editConfig(dir, { rope_scaling: null, attention_bias: true });
    expectBadInput(() => loadCheckpoint(dir), 'field "attention_bias"');
    editConfig(dir, { attention_bias: false, model_type: 'mistral' });
    expectBadInput(() => loadCheckpoint(dir), 'field "model_type"', '"mistral" is not supported');
  });

  it('rejects weights that do not match the config, naming file and tensor', () => {
    const dir = saved();
    editConfig(dir, { num_hidden_layers: 3 });
    expectBadInput(() => loadCheckpoint(dir), join(dir, 'model.safetensors'), 'field "model.layers.2.self_attn.q_proj.weight"', 'missing');
    editConfig(dir, { num_hidden_layers: 1 });
    expectBadInput(() => loadCheckpoint(dir), 'field "model.layers.1.', 'not part of this model config');
    editConfig(dir, { num_hidden_layers: 2, intermediate_size: 20 });
    expectBadInput(() => loadCheckpoint(dir), 'field "model.layers.0.mlp.gate_proj.weight"', 'shape [24, 16]', '[20, 16]');
  });

  it('rejects a tokenizer with more tokens than the model has embeddings', () => {
    const { config, params } = tinyModel({ vocab_size: 100 });
    const tokenizer = buildClosedVocabularyTokenizer(WORDS);
    expectBadInput(() => saveCheckpoint(join(tempDir(), 'ckpt'), config, params, tokenizer), 'tokenizer has', "vocab_size is 100");
  });

  it('rejects folders without safetensors weights, and shard maps pointing outside the folder', () => {
    const dir = saved();
    rmSync(join(dir, 'model.safetensors'));
    expectBadInput(() => loadCheckpoint(dir), 'no model.safetensors or model.safetensors.index.json');
    cpSync(join(FIXTURES, 'hf-tiny-llama', 'model.safetensors.index.json'), join(dir, 'model.safetensors.index.json'));
    const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
    index.weight_map['model.norm.weight'] = '../elsewhere.safetensors';
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
    expectBadInput(() => loadCheckpoint(dir), 'field "weight_map.model.norm.weight"', 'shard file in the checkpoint folder');
  });
});
