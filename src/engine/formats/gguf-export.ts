import { badInput } from '../../errors.js';
import { loadCheckpoint } from './checkpoint.js';
import type { LlamaConfig } from '../config.js';
import { type GgmlTypeName, ggufF32, ggufString, ggufU32, type GgufTensor, type GgufValue, writeGguf } from './gguf.js';
import { ggufTokenizerMetadata } from './gguf-vocab.js';
import { getKernels } from '../kernels/index.js';
import { LoraAdapter } from '../lora.js';
import { loadTensors, paramLayout, type Tensor, type TensorMap, tensorViews } from '../params.js';
import { loadAdapter } from './peft.js';
import type { HfTokenizer } from '../tokenizers/tokenizer.js';

/*
 * A checkpoint of the engine as a GGUF file llama.cpp runs with its "llama" architecture: the hyper-parameters under
 * `llama.*`, the tokenizer under `tokenizer.ggml.*`, and the weights under llama.cpp's tensor names, as llama.cpp's
 * convert_hf_to_gguf.py maps a Hugging Face LlamaForCausalLM. A LoRA adapter, when given, is merged into the weights.
 */

/** Settings of {@link exportGguf}. */
export interface GgufExportOptions {
  /** Storage of the 2-D weights; norm weights stay F32 whatever this says (as llama.cpp's converter does). Default F32. */
  dtype?: GgmlTypeName;
  /** `general.name`; default "w2s". */
  name?: string;
  /** A PEFT adapter folder to merge into the weights first. */
  adapter?: string;
}

/** What {@link exportGguf} wrote. */
export interface GgufExportSummary {
  file: string;
  dtype: GgmlTypeName;
  tensors: number;
  parameters: number;
  vocabSize: number;
}

/** llama.cpp's `general.file_type` (llama_ftype) for the weights' storage. */
const FILE_TYPE: Record<GgmlTypeName, number> = { F32: 0, F16: 1 };

/** Writes the checkpoint folder `dir` (and `options.adapter`, merged) to the GGUF file `out`. */
export function exportGguf(dir: string, out: string, options: GgufExportOptions = {}): GgufExportSummary {
  const dtype = options.dtype ?? 'F32';
  const checkpoint = loadCheckpoint(dir);
  if (checkpoint.tokenizer === null) throw badInput('the checkpoint has no tokenizer.json; GGUF files carry their tokenizer', { file: dir });
  const params = options.adapter === undefined ? checkpoint.params : mergedParams(checkpoint.config, checkpoint.params, options.adapter);
  const tensors = llamaGgufTensors(checkpoint.config, params, dtype);
  const metadata = llamaGgufMetadata(checkpoint.config, checkpoint.tokenizer, options.name ?? 'w2s', dtype, dir);
  writeGguf(out, metadata, tensors);
  return {
    file: out,
    dtype,
    tensors: tensors.length,
    parameters: tensors.reduce((n, t) => n + t.data.length, 0),
    vocabSize: checkpoint.config.vocab_size,
  };
}

/** The base weights with a PEFT adapter folded in (W + (alpha / r) B A). */
function mergedParams(config: LlamaConfig, params: TensorMap, adapterDir: string): TensorMap {
  const layout = paramLayout(config);
  const buffer = new Float32Array(layout.size);
  loadTensors(layout, buffer, params);
  const peft = loadAdapter(adapterDir, config);
  const adapter = new LoraAdapter(config, peft.config);
  adapter.load(peft.params, adapterDir);
  adapter.mergeInto(getKernels(), config, layout, buffer);
  return tensorViews(layout, buffer);
}

/** The `general.*`, `llama.*` and `tokenizer.ggml.*` metadata of a model. */
export function llamaGgufMetadata(config: LlamaConfig, tokenizer: HfTokenizer, name: string, dtype: GgmlTypeName, dir = '.'): [string, GgufValue][] {
  return [
    ['general.architecture', ggufString('llama')],
    ['general.name', ggufString(name)],
    ['general.file_type', ggufU32(FILE_TYPE[dtype])],
    ['llama.vocab_size', ggufU32(config.vocab_size)],
    ['llama.context_length', ggufU32(config.max_position_embeddings)],
    ['llama.embedding_length', ggufU32(config.hidden_size)],
    ['llama.block_count', ggufU32(config.num_hidden_layers)],
    ['llama.feed_forward_length', ggufU32(config.intermediate_size)],
    ['llama.attention.head_count', ggufU32(config.num_attention_heads)],
    ['llama.attention.head_count_kv', ggufU32(config.num_key_value_heads)],
    ['llama.attention.key_length', ggufU32(config.head_dim)],
    ['llama.attention.value_length', ggufU32(config.head_dim)],
    ['llama.attention.layer_norm_rms_epsilon', ggufF32(config.rms_norm_eps)],
    ['llama.rope.dimension_count', ggufU32(config.head_dim)],
    ['llama.rope.freq_base', ggufF32(config.rope_theta)],
    ...ggufTokenizerMetadata(tokenizer, config.vocab_size, `${dir}/tokenizer.json`),
  ];
}

/**
 * The weights under llama.cpp's names. q_proj and k_proj rows are permuted: Hugging Face rotates the two halves of
 * each head (rotate_half), llama.cpp's "llama" rope rotates adjacent pairs, so row h*hd + s*hd/2 + i (half s, index i
 * of head h) moves to row h*hd + 2i + s. This is convert_hf_to_gguf.py's `LlamaModel.permute`, which undoes the
 * permutation Hugging Face's own Llama converter applied.
 */
export function llamaGgufTensors(config: LlamaConfig, params: TensorMap, dtype: GgmlTypeName): GgufTensor[] {
  const get = (name: string): Tensor => {
    const t = params.get(name);
    if (!t) throw badInput('parameter missing', { field: name });
    return t;
  };
  const matrix = (name: string, source: string, transform?: (data: Float32Array, shape: number[]) => Float32Array): GgufTensor => {
    const t = get(source);
    return { name, shape: t.shape, type: dtype, data: transform ? transform(t.data, t.shape) : t.data };
  };
  const vector = (name: string, source: string): GgufTensor => ({ name, shape: get(source).shape, type: 'F32', data: get(source).data });
  const hd = config.head_dim;
  const tensors: GgufTensor[] = [matrix('token_embd.weight', 'model.embed_tokens.weight')];
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const hf = `model.layers.${l}`;
    const blk = `blk.${l}`;
    tensors.push(
      vector(`${blk}.attn_norm.weight`, `${hf}.input_layernorm.weight`),
      matrix(`${blk}.attn_q.weight`, `${hf}.self_attn.q_proj.weight`, (d, s) => pairRotaryRows(d, s, hd)),
      matrix(`${blk}.attn_k.weight`, `${hf}.self_attn.k_proj.weight`, (d, s) => pairRotaryRows(d, s, hd)),
      matrix(`${blk}.attn_v.weight`, `${hf}.self_attn.v_proj.weight`),
      matrix(`${blk}.attn_output.weight`, `${hf}.self_attn.o_proj.weight`),
      vector(`${blk}.ffn_norm.weight`, `${hf}.post_attention_layernorm.weight`),
      matrix(`${blk}.ffn_gate.weight`, `${hf}.mlp.gate_proj.weight`),
      matrix(`${blk}.ffn_up.weight`, `${hf}.mlp.up_proj.weight`),
      matrix(`${blk}.ffn_down.weight`, `${hf}.mlp.down_proj.weight`),
    );
  }
  tensors.push(vector('output_norm.weight', 'model.norm.weight'));
  // Tied embeddings: llama.cpp reuses token_embd for the output when `output.weight` is absent.
  if (!config.tie_word_embeddings) tensors.push(matrix('output.weight', 'lm_head.weight'));
  return tensors;
}

/** Rows of a (heads * hd, C) projection reordered from rotate-half to adjacent-pair rotary layout. */
export function pairRotaryRows(data: Float32Array, shape: readonly number[], hd: number): Float32Array {
  const [rows, cols] = shape as [number, number];
  const half = hd / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < rows / hd; h++) {
    for (let s = 0; s < 2; s++) {
      for (let i = 0; i < half; i++) {
        const from = (h * hd + s * half + i) * cols;
        out.set(data.subarray(from, from + cols), (h * hd + 2 * i + s) * cols);
      }
    }
  }
  return out;
}
