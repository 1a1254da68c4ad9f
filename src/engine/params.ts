import type { Rng } from '../core/rng.js';
import { badInput, type Location } from '../errors.js';
import type { LlamaConfig } from './config.js';

/** A zeroed Float32Array on shared memory, so worker threads can read (and write) the same weights. */
export function sharedFloats(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT));
}

/** A named tensor as exchanged with checkpoint files: row-major float32 data and its shape. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Tensors keyed by Hugging Face (or PEFT) parameter names. */
export type TensorMap = Map<string, Tensor>;

/** One named view into a flat buffer. */
export interface ParamEntry {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  /** Whether AdamW weight decay applies (Hugging Face's Trainer exempts norm weights and biases). */
  decay: boolean;
}

/**
 * Element offsets of one decoder layer's parameters. q/k/v weights are stored back to back, as are gate/up, so each
 * pair of projections that reads the same input is one matrix multiply; each Hugging Face tensor is still one
 * contiguous range of rows.
 */
export interface LayerOffsets {
  /** [q; k; v] weight, (Dq + 2 Dkv, C). */
  qkv: number;
  /** o_proj weight, (C, Dq). */
  o: number;
  /** [gate; up] weight, (2 I, C). */
  gateUp: number;
  /** down_proj weight, (C, I). */
  down: number;
  /** input_layernorm weight, (C). */
  ln1: number;
  /** post_attention_layernorm weight, (C). */
  ln2: number;
}

/** Where every parameter of a model lives in its one flat buffer. */
export interface ParamLayout {
  entries: ParamEntry[];
  size: number;
  /** model.embed_tokens.weight, (V, C). */
  embed: number;
  /** lm_head.weight, (V, C); equals `embed` when the embeddings are tied. */
  lmHead: number;
  /** model.norm.weight, (C). */
  normF: number;
  layers: LayerOffsets[];
}

/** The parameter layout of a Llama decoder (Hugging Face names and shapes). */
export function paramLayout(config: LlamaConfig): ParamLayout {
  const C = config.hidden_size;
  const I = config.intermediate_size;
  const V = config.vocab_size;
  const Dq = config.num_attention_heads * config.head_dim;
  const Dkv = config.num_key_value_heads * config.head_dim;
  const entries: ParamEntry[] = [];
  let size = 0;
  const add = (name: string, shape: number[], decay = true): number => {
    const offset = size;
    const n = shape.reduce((a, b) => a * b, 1);
    entries.push({ name, shape, offset, size: n, decay });
    size += n;
    return offset;
  };
  const embed = add('model.embed_tokens.weight', [V, C]);
  const layers: LayerOffsets[] = [];
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const qkv = add(`${p}.self_attn.q_proj.weight`, [Dq, C]);
    add(`${p}.self_attn.k_proj.weight`, [Dkv, C]);
    add(`${p}.self_attn.v_proj.weight`, [Dkv, C]);
    const o = add(`${p}.self_attn.o_proj.weight`, [C, Dq]);
    const gateUp = add(`${p}.mlp.gate_proj.weight`, [I, C]);
    add(`${p}.mlp.up_proj.weight`, [I, C]);
    const down = add(`${p}.mlp.down_proj.weight`, [C, I]);
    const ln1 = add(`${p}.input_layernorm.weight`, [C], false);
    const ln2 = add(`${p}.post_attention_layernorm.weight`, [C], false);
    layers.push({ qkv, o, gateUp, down, ln1, ln2 });
  }
  const normF = add('model.norm.weight', [C], false);
  const lmHead = config.tie_word_embeddings ? embed : add('lm_head.weight', [V, C]);
  return { entries, size, embed, lmHead, normF, layers };
}

/** Views (not copies) of every parameter in `buffer`, keyed by name. */
export function tensorViews(layout: ParamLayout, buffer: Float32Array): TensorMap {
  const map: TensorMap = new Map();
  for (const e of layout.entries) {
    map.set(e.name, { shape: [...e.shape], data: buffer.subarray(e.offset, e.offset + e.size) });
  }
  return map;
}

/**
 * Copies named tensors into `buffer`. Every parameter of the layout must be present with its exact shape; names the
 * layout does not know are an error too (they would be silently dropped weights). When embeddings are tied, a
 * `lm_head.weight` equal to the embeddings is accepted, as some exporters write both.
 */
export function loadTensors(layout: ParamLayout, buffer: Float32Array, tensors: TensorMap, file?: string): void {
  const where = (field: string): Location => (file === undefined ? { field } : { file, field });
  const head = tensors.get('lm_head.weight');
  let present = tensors;
  if (head !== undefined && layout.lmHead === layout.embed) {
    const embed = tensors.get('model.embed_tokens.weight');
    if (!embed || !sameValues(embed.data, head.data)) throw badInput('the config ties word embeddings but lm_head.weight differs from model.embed_tokens.weight', where('lm_head.weight'));
    present = new Map([...tensors].filter(([name]) => name !== 'lm_head.weight'));
  }
  checkTensorSet(present, new Map(layout.entries.map((e) => [e.name, e.shape])), where, { extra: 'unexpected parameter for this model config', missing: 'missing parameter', shapeOf: "the config's" });
  for (const e of layout.entries) buffer.set((tensors.get(e.name) as Tensor).data, e.offset);
}

/** How {@link checkTensorSet} words a tensor that should not be there, one that is missing, and whose shape it wants. */
export interface TensorSetWords {
  extra: string;
  missing: string;
  shapeOf: string;
}

/**
 * `tensors` must hold exactly the names of `expected`, each with its shape and as many values: anything else is bad
 * input naming the tensor (a name nobody reads would be weights silently dropped).
 */
export function checkTensorSet(tensors: TensorMap, expected: ReadonlyMap<string, readonly number[]>, where: (field: string) => Location, words: TensorSetWords): void {
  for (const name of tensors.keys()) if (!expected.has(name)) throw badInput(words.extra, where(name));
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (t === undefined) throw badInput(words.missing, where(name));
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw badInput(`shape [${t.shape.join(', ')}] does not match ${words.shapeOf} [${shape.join(', ')}]`, where(name));
    }
    if (t.data.length !== shape.reduce((a, b) => a * b, 1)) throw badInput(`holds ${t.data.length} values for shape [${shape.join(', ')}]`, where(name));
  }
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Hugging Face's initialisation (`LlamaPreTrainedModel._init_weights`): linear and embedding weights from
 * N(0, initializer_range^2), norm weights 1.
 */
export function initParameters(config: LlamaConfig, layout: ParamLayout, buffer: Float32Array, rng: Rng): void {
  const std = config.initializer_range;
  for (const e of layout.entries) {
    if (!e.decay) {
      buffer.fill(1, e.offset, e.offset + e.size);
      continue;
    }
    for (let i = e.offset; i < e.offset + e.size; i++) buffer[i] = std * gaussian(rng);
  }
}

/** A standard normal draw (Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
