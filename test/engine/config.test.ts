import { describe, expect, it } from 'vitest';
import { W2sError } from '../../src/errors.js';
import { eosTokenIds, groupSize, parseLlamaConfig, toHfConfigJson } from '../../src/engine/config.js';

describe('LlamaConfig', () => {
  it("fills omitted fields with Hugging Face's LlamaConfig defaults", () => {
    const c = parseLlamaConfig({});
    expect(c).toMatchObject({
      vocab_size: 32000,
      hidden_size: 4096,
      intermediate_size: 11008,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      head_dim: 128,
      max_position_embeddings: 2048,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
    });
  });

  it('reads a SmolLM-style config with grouped KV heads and ignores unrelated fields', () => {
    const c = parseLlamaConfig({
      architectures: ['LlamaForCausalLM'],
      hidden_size: 576,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      intermediate_size: 1536,
      num_hidden_layers: 30,
      vocab_size: 49152,
      tie_word_embeddings: true,
      rope_theta: 100000,
      rms_norm_eps: 1e-5,
      eos_token_id: 0,
      bos_token_id: 0,
      torch_dtype: 'bfloat16',
      rope_scaling: null,
    });
    expect(c.head_dim).toBe(64);
    expect(groupSize(c)).toBe(3);
    expect(eosTokenIds(c)).toEqual([0]);
    expect(eosTokenIds({ ...c, eos_token_id: [5, 7] })).toEqual([5, 7]);
    expect(eosTokenIds({ ...c, eos_token_id: null })).toEqual([]);
  });

  it('round-trips through the config.json object it writes', () => {
    const c = parseLlamaConfig({ vocab_size: 100, hidden_size: 32, num_attention_heads: 4, num_key_value_heads: 2, pad_token_id: 0 });
    const json = toHfConfigJson(c);
    expect(json.architectures).toEqual(['LlamaForCausalLM']);
    expect(json.model_type).toBe('llama');
    expect(parseLlamaConfig(JSON.parse(JSON.stringify(json)))).toEqual(c);
  });

  it('rejects what the engine does not implement, naming the file and field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ rope_scaling: { type: 'llama3', factor: 8 } }, 'rope_scaling'],
      [{ hidden_act: 'gelu' }, 'hidden_act'],
      [{ attention_bias: true }, 'attention_bias'],
      [{ num_attention_heads: 32, num_key_value_heads: 5 }, 'num_key_value_heads'],
      [{ hidden_size: 100, num_attention_heads: 3 }, 'num_attention_heads'],
      [{ vocab_size: 10, eos_token_id: 12 }, 'eos_token_id'],
      [{ vocab_size: -1 }, 'vocab_size'],
    ];
    for (const [json, field] of cases) {
      let error: unknown;
      try {
        parseLlamaConfig(json, 'model/config.json');
      } catch (e) {
        error = e;
      }
      expect(error, field).toBeInstanceOf(W2sError);
      expect((error as W2sError).exitCode).toBe(2);
      expect((error as W2sError).message).toContain('model/config.json');
      expect((error as W2sError).location.field).toBe(field);
    }
  });
});
