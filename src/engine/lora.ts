import { derivedSeed, Rng } from '../core/rng.js';
import { badInput } from '../errors.js';
import type { LlamaConfig } from './config.js';
import type { Kernels } from './kernels/types.js';
import { type ParamLayout, type TensorMap, sharedFloats } from './params.js';

/**
 * LoRA as PEFT implements it for Llama: for each targeted linear layer W (out, in),
 * y = W x + scaling * B (A (dropout(x))), scaling = alpha / r, A (r, in) kaiming-uniform, B (out, r) zero, so training
 * starts from the base model exactly. Dropout touches only the LoRA input path.
 */

/** The linear layers of a Llama decoder layer that LoRA can target (PEFT's names). */
export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
/** One of {@link LORA_TARGETS}. */
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** A LoRA adapter's settings (PEFT's names): rank, alpha (scaling alpha / r), dropout and target modules. */
export interface LoraConfig {
  r: number;
  alpha: number;
  /** Dropout probability on the LoRA input path (training only). */
  dropout: number;
  targetModules: LoraTarget[];
}

/** PEFT's default targets for Llama. */
export const DEFAULT_LORA_TARGETS: LoraTarget[] = ['q_proj', 'v_proj'];

/** The paper's LoRA settings (App. C): r 16, alpha 32, dropout 0.05, PEFT's default Llama targets. */
export const PAPER_LORA: LoraConfig = { r: 16, alpha: 32, dropout: 0.05, targetModules: DEFAULT_LORA_TARGETS };

/** One adapted linear layer and where its A and B live in the adapter's buffer. */
export interface LoraModule {
  layer: number;
  target: LoraTarget;
  /** Hugging Face module path, e.g. `model.layers.0.self_attn.q_proj`. */
  path: string;
  inF: number;
  outF: number;
  /** Offset of A (r, in) in the adapter buffer. */
  a: number;
  /** Offset of B (out, r) in the adapter buffer. */
  b: number;
}

/** Input and output width of a target in a model config. */
export function targetShape(config: LlamaConfig, target: LoraTarget): { inF: number; outF: number } {
  const C = config.hidden_size;
  const I = config.intermediate_size;
  const Dq = config.num_attention_heads * config.head_dim;
  const Dkv = config.num_key_value_heads * config.head_dim;
  switch (target) {
    case 'q_proj':
      return { inF: C, outF: Dq };
    case 'k_proj':
    case 'v_proj':
      return { inF: C, outF: Dkv };
    case 'o_proj':
      return { inF: Dq, outF: C };
    case 'gate_proj':
    case 'up_proj':
      return { inF: C, outF: I };
    case 'down_proj':
      return { inF: I, outF: C };
  }
}

/** Offset of a target's base weight (out, in) in the model's parameter buffer (rows of a fused matrix). */
export function targetWeightOffset(config: LlamaConfig, layout: ParamLayout, layer: number, target: LoraTarget): number {
  const L = layout.layers[layer]!;
  const C = config.hidden_size;
  const Dq = config.num_attention_heads * config.head_dim;
  const Dkv = config.num_key_value_heads * config.head_dim;
  switch (target) {
    case 'q_proj':
      return L.qkv;
    case 'k_proj':
      return L.qkv + Dq * C;
    case 'v_proj':
      return L.qkv + (Dq + Dkv) * C;
    case 'o_proj':
      return L.o;
    case 'gate_proj':
      return L.gateUp;
    case 'up_proj':
      return L.gateUp + config.intermediate_size * C;
    case 'down_proj':
      return L.down;
  }
}

function modulePath(layer: number, target: LoraTarget): string {
  const block = target === 'gate_proj' || target === 'up_proj' || target === 'down_proj' ? 'mlp' : 'self_attn';
  return `model.layers.${layer}.${block}.${target}`;
}

/** Checks a LoRA config; `file` names where it came from in the error. */
export function validateLoraConfig(lora: LoraConfig, file?: string): void {
  const at = (field: string): { file?: string; field: string } => (file === undefined ? { field } : { file, field });
  if (!Number.isInteger(lora.r) || lora.r <= 0) throw badInput(`must be a positive integer, got ${lora.r}`, at('r'));
  if (!(lora.alpha > 0)) throw badInput(`must be positive, got ${lora.alpha}`, at('lora_alpha'));
  if (!(lora.dropout >= 0 && lora.dropout < 1)) throw badInput(`must be in [0, 1), got ${lora.dropout}`, at('lora_dropout'));
  if (lora.targetModules.length === 0) throw badInput('must name at least one module', at('target_modules'));
  for (const t of lora.targetModules) {
    if (!(LORA_TARGETS as readonly string[]).includes(t)) {
      throw badInput(`unknown module "${t}"; expected some of ${LORA_TARGETS.join(', ')}`, at('target_modules'));
    }
  }
}

/** A set of LoRA weights for one model config: every A and B in one flat buffer, modules ordered by layer. */
export class LoraAdapter {
  readonly config: LoraConfig;
  readonly scaling: number;
  readonly modules: LoraModule[];
  /** Modules of each decoder layer. */
  readonly byLayer: LoraModule[][];
  readonly params: Float32Array;
  /** Widest LoRA input, for scratch sizing. */
  readonly maxIn: number;

  /** An adapter for `model`; `params` (shared with other threads, say) is used as its buffer when given. */
  constructor(model: LlamaConfig, config: LoraConfig, params?: Float32Array) {
    validateLoraConfig(config);
    this.config = { ...config, targetModules: [...config.targetModules] };
    this.scaling = config.alpha / config.r;
    this.modules = [];
    this.byLayer = [];
    let size = 0;
    let maxIn = 0;
    for (let layer = 0; layer < model.num_hidden_layers; layer++) {
      const mods: LoraModule[] = [];
      for (const target of LORA_TARGETS) {
        if (!config.targetModules.includes(target)) continue;
        const { inF, outF } = targetShape(model, target);
        const m: LoraModule = { layer, target, path: modulePath(layer, target), inF, outF, a: size, b: size + config.r * inF };
        size += config.r * (inF + outF);
        maxIn = Math.max(maxIn, inF);
        mods.push(m);
        this.modules.push(m);
      }
      this.byLayer.push(mods);
    }
    if (params && params.length !== size) throw new RangeError(`adapter buffer has ${params.length} values, needs ${size}`);
    this.params = params ?? sharedFloats(size);
    this.maxIn = maxIn;
  }

  /** A fresh adapter initialised like PEFT: A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming-uniform, a = sqrt(5)), B = 0. */
  static init(model: LlamaConfig, config: LoraConfig, seed: number): LoraAdapter {
    const adapter = new LoraAdapter(model, config);
    const rng = Rng.derive(seed, 'lora-init');
    const r = config.r;
    for (const m of adapter.modules) {
      const bound = 1 / Math.sqrt(m.inF);
      for (let i = 0; i < r * m.inF; i++) adapter.params[m.a + i] = (2 * rng.next() - 1) * bound;
    }
    return adapter;
  }

  /** Views of A and B under PEFT's names (`base_model.model.<module>.lora_A.weight`, `...lora_B.weight`). */
  tensors(): TensorMap {
    const map: TensorMap = new Map();
    const r = this.config.r;
    for (const m of this.modules) {
      map.set(`base_model.model.${m.path}.lora_A.weight`, {
        shape: [r, m.inF],
        data: this.params.subarray(m.a, m.a + r * m.inF),
      });
      map.set(`base_model.model.${m.path}.lora_B.weight`, {
        shape: [m.outF, r],
        data: this.params.subarray(m.b, m.b + m.outF * r),
      });
    }
    return map;
  }

  /** Copies PEFT-named tensors into this adapter; every module must be present with its shape, nothing else. */
  load(tensors: TensorMap, file?: string): void {
    const at = (field: string): { file?: string; field: string } => (file === undefined ? { field } : { file, field });
    const own = this.tensors();
    for (const name of tensors.keys()) {
      if (!own.has(name)) throw badInput('unexpected tensor for this adapter config', at(name));
    }
    for (const [name, dst] of own) {
      const src = tensors.get(name);
      if (!src) throw badInput('missing tensor', at(name));
      if (src.shape.length !== 2 || src.shape[0] !== dst.shape[0] || src.shape[1] !== dst.shape[1]) {
        throw badInput(`shape [${src.shape.join(', ')}] does not match [${dst.shape.join(', ')}]`, at(name));
      }
      dst.data.set(src.data);
    }
  }

  /** Folds the adapter into base weights for export: W += scaling * B @ A, in the model's parameter buffer. */
  mergeInto(kern: Kernels, model: LlamaConfig, layout: ParamLayout, weights: Float32Array): void {
    const r = this.config.r;
    for (const m of this.modules) {
      const w = targetWeightOffset(model, layout, m.layer, m.target);
      kern.sgemm(false, false, m.outF, m.inF, r, this.scaling, this.params, m.b, r, this.params, m.a, m.inF, 1, weights, w, m.inF);
    }
  }
}

/** Where a LoRA module reads its input and writes its output during one pass. */
export interface LoraIo {
  /** Input (N, inF), dense. */
  x: Float32Array;
  /** Output matrix; the module adds into columns [outOff, outOff + outF) of each row of width ldOut. */
  out: Float32Array;
  outOff: number;
  ldOut: number;
}

/** Per-module activations kept from the forward pass. */
export interface LoraActs {
  /** A x, (N, r). */
  lh: Float32Array;
  /** Dropout keep-mask (N, inF), or null when the adapter has no dropout. */
  mask: Uint8Array | null;
  /** Whether the last forward pass applied the mask (training) or passed the input through (inference). */
  dropped: boolean;
}

/**
 * Seeds of the dropout masks of one pass: sequence b's masks are drawn from (seed, keys[b], module), so they do not
 * depend on what the sequence is batched with, how it is padded, or which thread runs it.
 */
export interface DropoutKeys {
  seed: number;
  keys: readonly string[];
}

/**
 * out[:, cols] += scaling * (dropout(x) A^T) B^T over B sequences of T positions. With `dropout` (training, and a
 * dropout probability above 0) fresh keep-masks are drawn into acts.mask; without it the input passes unchanged.
 * `xd` is scratch of at least B * T * inF floats.
 */
export function loraForward(
  kern: Kernels,
  ad: LoraAdapter,
  m: LoraModule,
  io: LoraIo,
  acts: LoraActs,
  B: number,
  T: number,
  dropout: DropoutKeys | null,
  xd: Float32Array,
): void {
  const r = ad.config.r;
  const p = ad.config.dropout;
  const N = B * T;
  let input = io.x;
  acts.dropped = dropout !== null && p > 0 && acts.mask !== null;
  if (dropout && acts.dropped) {
    const threshold = p * 4294967296;
    const keep = 1 / (1 - p);
    const seeds = new Uint32Array(B);
    for (let b = 0; b < B; b++) seeds[b] = derivedSeed(dropout.seed, `${dropout.keys[b]}|${m.path}`);
    kern.dropoutMasks(io.x, xd, acts.mask!, T * m.inF, seeds, threshold, keep);
    input = xd;
  }
  // lh (N, r) = x_d (N, in) @ A^T (in, r)
  kern.sgemm(false, true, N, r, m.inF, 1, input, 0, m.inF, ad.params, m.a, m.inF, 0, acts.lh, 0, r);
  // out (N, out) += scaling * lh (N, r) @ B^T (r, out)
  kern.sgemm(false, true, N, m.outF, r, ad.scaling, acts.lh, 0, r, ad.params, m.b, r, 1, io.out, io.outOff, io.ldOut);
}

/**
 * Backward pass of {@link loraForward}. `dout` holds d(loss)/d(out) in the same columns the forward wrote; adds the
 * input gradient into dx (N, inF), unless dx is null, and the A/B gradients into `grads` (laid out like the adapter's
 * params).
 * dB = s dout^T lh; dlh = s dout B; dA = dlh^T x_d; dx += mask * (dlh A) / (1 - p).
 */
export function loraBackward(
  kern: Kernels,
  ad: LoraAdapter,
  m: LoraModule,
  io: LoraIo,
  dout: Float32Array,
  dx: Float32Array | null,
  acts: LoraActs,
  grads: Float32Array,
  N: number,
  dlh: Float32Array,
  xd: Float32Array,
): void {
  const r = ad.config.r;
  const s = ad.scaling;
  const dropped = acts.dropped;
  const keep = 1 / (1 - ad.config.dropout);
  kern.sgemm(true, false, m.outF, r, N, s, dout, io.outOff, io.ldOut, acts.lh, 0, r, 1, grads, m.b, r);
  kern.sgemm(false, false, N, r, m.outF, s, dout, io.outOff, io.ldOut, ad.params, m.b, r, 0, dlh, 0, r);
  let input = io.x;
  if (dropped) {
    kern.dropoutApply(xd, io.x, acts.mask!, 0, N * m.inF, keep, false);
    input = xd;
  }
  kern.sgemm(true, false, r, m.inF, N, 1, dlh, 0, r, input, 0, m.inF, 1, grads, m.a, m.inF);
  if (!dx) return;
  if (!dropped) {
    kern.sgemm(false, false, N, m.inF, r, 1, dlh, 0, r, ad.params, m.a, m.inF, 1, dx, 0, m.inF);
    return;
  }
  kern.sgemm(false, false, N, m.inF, r, 1, dlh, 0, r, ad.params, m.a, m.inF, 0, xd, 0, m.inF);
  kern.dropoutApply(dx, xd, acts.mask!, 0, N * m.inF, keep, true);
}
