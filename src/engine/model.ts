import { Rng } from '../core/rng.js';
import { badInput } from '../errors.js';
import { type LlamaConfig, type ModelDims, modelDims } from './config.js';
import type { Kernels } from './kernels/types.js';
import { embeddingBackward, embeddingForward } from './layers/embedding.js';
import { type RopeTable, ropeTable } from './layers/rope.js';
import { type DropoutKeys, type LoraAdapter, type LoraIo, type LoraModule, loraBackward, loraForward } from './lora.js';
import { type ParamLayout, type TensorMap, initParameters, loadTensors, paramLayout, sharedFloats, tensorViews } from './params.js';
import { type LayerActs, Workspace } from './workspace.js';

/** Where the backward pass adds its gradients: the base weights (full fine-tuning) and/or a LoRA adapter's. */
export interface Gradients {
  /** Laid out like the model's parameter buffer, or null when the base weights are frozen. */
  base: Float32Array | null;
  /** Laid out like the attached adapter's buffer, or null. */
  lora: Float32Array | null;
}

/**
 * A Llama-style decoder (Hugging Face `LlamaForCausalLM` semantics) with hand-written forward and backward passes.
 * All parameters live in one Float32Array (`params`, see params.ts for the layout); activations live in a
 * {@link Workspace}. Every matrix product goes through the injected kernels.
 */
export class LlamaModel {
  readonly config: LlamaConfig;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  readonly kernels: Kernels;
  /** The LoRA adapter applied on top of the base weights, if any. */
  adapter: LoraAdapter | null = null;
  private rope: RopeTable;
  private readonly dims: ModelDims;

  constructor(config: LlamaConfig, kernels: Kernels, params?: Float32Array) {
    this.config = config;
    this.kernels = kernels;
    this.layout = paramLayout(config);
    if (params && params.length !== this.layout.size) {
      throw new RangeError(`parameter buffer has ${params.length} values, the config needs ${this.layout.size}`);
    }
    this.params = params ?? sharedFloats(this.layout.size);
    this.dims = modelDims(config);
    this.rope = ropeTable(Math.min(config.max_position_embeddings, 4096), this.dims.hd, config.rope_theta);
  }

  /** A model with Hugging Face's random initialisation, seeded. */
  static init(config: LlamaConfig, kernels: Kernels, seed: number): LlamaModel {
    const model = new LlamaModel(config, kernels);
    initParameters(config, model.layout, model.params, Rng.derive(seed, 'model-init'));
    return model;
  }

  /** A model holding copies of the given Hugging Face-named tensors (`file` is named in errors). */
  static fromTensors(config: LlamaConfig, tensors: TensorMap, kernels: Kernels, file?: string): LlamaModel {
    const model = new LlamaModel(config, kernels);
    model.load(tensors, file);
    return model;
  }

  /** Views of every base parameter under its Hugging Face name (no copies; lm_head absent when tied). */
  tensors(): TensorMap {
    return tensorViews(this.layout, this.params);
  }

  /** Copies Hugging Face-named tensors into the base parameters. */
  load(tensors: TensorMap, file?: string): void {
    loadTensors(this.layout, this.params, tensors, file);
  }

  /** Attaches (or with null detaches) a LoRA adapter made for this config. */
  attachLora(adapter: LoraAdapter | null): void {
    if (adapter) {
      for (const m of adapter.modules) {
        if (m.layer >= this.config.num_hidden_layers) {
          throw badInput(`adapter has layer ${m.layer}, the model only ${this.config.num_hidden_layers}`, { field: m.path });
        }
      }
    }
    this.adapter = adapter;
  }

  /** Folds the attached adapter into the base weights (for export) and detaches it. */
  mergeLora(): void {
    if (!this.adapter) return;
    this.adapter.mergeInto(this.kernels, this.config, this.layout, this.params);
    this.adapter = null;
  }

  /**
   * Activation buffers for batches of up to maxB sequences of up to maxT tokens, for the attached adapter.
   * `keepProbs` overrides whether attention probabilities are stored for the backward pass (default: when small).
   */
  workspace(maxB: number, maxT: number, keepProbs?: boolean): Workspace {
    this.ensurePositions(maxT);
    return new Workspace(this.config, maxB, maxT, this.adapter, keepProbs);
  }

  /** Makes the rotary tables cover positions [0, n). */
  ensurePositions(n: number): RopeTable {
    if (n > this.rope.positions) this.rope = ropeTable(Math.max(n, 2 * this.rope.positions), this.dims.hd, this.config.rope_theta);
    return this.rope;
  }

  /**
   * Forward pass of ws.tokens (B, T) at positions 0..T-1 through the final norm into ws.lnf, keeping what the
   * backward pass needs. `dropout` (one key per sequence) switches LoRA dropout on (training); null is inference.
   */
  forward(ws: Workspace, B: number, T: number, dropout: DropoutKeys | null): void {
    if (ws.adapter !== this.adapter) throw new Error('workspace was made for a different LoRA adapter');
    ws.setShape(B, T);
    this.ensurePositions(T);
    const { C, I, Hq, Hkv, hd, Dq, W } = this.dims;
    const N = B * T;
    const k = this.kernels;
    const P = this.params;
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) ws.positions[b * T + t] = t;
    embeddingForward(ws.layers[0]!.resid, ws.tokens, P, this.layout.embed, N, C);
    for (let l = 0; l < this.config.num_hidden_layers; l++) {
      const L = ws.layers[l]!;
      const off = this.layout.layers[l]!;
      const next = l + 1 < ws.layers.length ? ws.layers[l + 1]!.resid : ws.residOut;
      k.rmsnormForward(L.ln1, L.rstd1, L.resid, P, off.ln1, N, C, this.config.rms_norm_eps);
      // qkv (N, W) = ln1 (N, C) @ [Wq; Wk; Wv]^T (C, W)
      k.sgemm(false, true, N, W, C, 1, L.ln1, 0, C, P, off.qkv, C, 0, L.qkv, 0, W);
      this.loraForward(ws, L, l, dropout, 'attn-in');
      k.ropeForward(L.qkv, W, 0, Hq + Hkv, hd, ws.positions, N, this.rope);
      k.attentionForward(L.att, L.attn, L.lse, L.probs ?? ws.scores, L.probs !== null);
      // resid2 (N, C) = resid + att (N, Dq) @ Wo^T (Dq, C)
      L.resid2.set(L.resid.subarray(0, N * C));
      k.sgemm(false, true, N, C, Dq, 1, L.att, 0, Dq, P, off.o, Dq, 1, L.resid2, 0, C);
      this.loraForward(ws, L, l, dropout, 'attn-out');
      k.rmsnormForward(L.ln2, L.rstd2, L.resid2, P, off.ln2, N, C, this.config.rms_norm_eps);
      // gateUp (N, 2I) = ln2 (N, C) @ [Wgate; Wup]^T (C, 2I)
      k.sgemm(false, true, N, 2 * I, C, 1, L.ln2, 0, C, P, off.gateUp, C, 0, L.gateUp, 0, 2 * I);
      this.loraForward(ws, L, l, dropout, 'mlp-in');
      k.swigluForward(L.h, L.sig, L.gateUp, N, I);
      // next (N, C) = resid2 + h (N, I) @ Wdown^T (I, C)
      next.set(L.resid2.subarray(0, N * C));
      k.sgemm(false, true, N, C, I, 1, L.h, 0, I, P, off.down, I, 1, next, 0, C);
      this.loraForward(ws, L, l, dropout, 'mlp-out');
    }
    k.rmsnormForward(ws.lnf, ws.rstdf, ws.residOut, P, this.layout.normF, N, C, this.config.rms_norm_eps);
  }

  /**
   * Backward pass after {@link forward}: reads d(loss)/d(lnf) (N, C) from ws.backward().dln and adds every gradient
   * into `grads` (callers zero them at the start of an optimizer step, so micro-batches accumulate).
   */
  backward(ws: Workspace, grads: Gradients): void {
    const { C, I, Hq, Hkv, hd, Dq, W } = this.dims;
    const N = ws.B * ws.T;
    const k = this.kernels;
    const P = this.params;
    const G = grads.base;
    const bb = ws.backward();
    const dres = bb.dres;
    dres.fill(0, 0, N * C);
    k.rmsnormBackward(dres, G, bb.dln, ws.residOut, P, this.layout.normF, ws.rstdf, N, C);
    for (let l = this.config.num_hidden_layers - 1; l >= 0; l--) {
      const L = ws.layers[l]!;
      const off = this.layout.layers[l]!;
      // MLP: dres holds d(loss)/d(next residual).
      // dh (N, I) = dres (N, C) @ Wdown (C, I); dWdown (C, I) += dres^T @ h
      k.sgemm(false, false, N, I, C, 1, dres, 0, C, P, off.down, I, 0, bb.dh, 0, I);
      if (G) k.sgemm(true, false, C, I, N, 1, dres, 0, C, L.h, 0, I, 1, G, off.down, I);
      this.loraBackward(ws, L, l, N, grads, 'mlp-out');
      k.swigluBackward(bb.dgateUp, bb.dh, L.gateUp, L.sig, N, I);
      // dln (N, C) = dgateUp (N, 2I) @ [Wgate; Wup] (2I, C); dWgateUp (2I, C) += dgateUp^T @ ln2
      k.sgemm(false, false, N, C, 2 * I, 1, bb.dgateUp, 0, 2 * I, P, off.gateUp, C, 0, bb.dln, 0, C);
      if (G) k.sgemm(true, false, 2 * I, C, N, 1, bb.dgateUp, 0, 2 * I, L.ln2, 0, C, 1, G, off.gateUp, C);
      this.loraBackward(ws, L, l, N, grads, 'mlp-in');
      k.rmsnormBackward(dres, G, bb.dln, L.resid2, P, off.ln2, L.rstd2, N, C);
      // Attention: dres now holds d(loss)/d(resid2).
      // datt (N, Dq) = dres (N, C) @ Wo (C, Dq); dWo (C, Dq) += dres^T @ att
      k.sgemm(false, false, N, Dq, C, 1, dres, 0, C, P, off.o, Dq, 0, bb.datt, 0, Dq);
      if (G) k.sgemm(true, false, C, Dq, N, 1, dres, 0, C, L.att, 0, Dq, 1, G, off.o, Dq);
      this.loraBackward(ws, L, l, N, grads, 'attn-out');
      k.attentionBackward(bb.dqkv, bb.datt, L.att, L.attn, L.lse, L.probs ?? bb.probs, L.probs !== null, bb.dprobs);
      k.ropeBackward(bb.dqkv, W, 0, Hq + Hkv, hd, ws.positions, N, this.rope);
      // The first layer's input gradient reaches only the embedding: with the base frozen (LoRA) nobody reads it.
      const inputGrad = l > 0 || G !== null;
      // dln (N, C) = dqkv (N, W) @ [Wq; Wk; Wv] (W, C); dWqkv (W, C) += dqkv^T @ ln1
      if (inputGrad) k.sgemm(false, false, N, C, W, 1, bb.dqkv, 0, W, P, off.qkv, C, 0, bb.dln, 0, C);
      if (G) k.sgemm(true, false, W, C, N, 1, bb.dqkv, 0, W, L.ln1, 0, C, 1, G, off.qkv, C);
      this.loraBackward(ws, L, l, N, grads, 'attn-in', inputGrad);
      if (inputGrad) k.rmsnormBackward(dres, G, bb.dln, L.resid, P, off.ln1, L.rstd1, N, C);
    }
    if (G) embeddingBackward(G, this.layout.embed, dres, ws.tokens, N, C);
  }

  /** logits (N, V) = lnf (N, C) @ lm_head^T for every position of the last forward pass. */
  logits(ws: Workspace, out: Float32Array): void {
    const { C, V } = this.dims;
    const N = ws.B * ws.T;
    this.kernels.sgemm(false, true, N, V, C, 1, ws.lnf, 0, C, this.params, this.layout.lmHead, C, 0, out, 0, V);
  }

  /** Number of base parameters (tied embeddings counted once). */
  parameterCount(): number {
    return this.layout.size;
  }

  private loraForward(ws: Workspace, L: LayerActs, l: number, dropout: DropoutKeys | null, site: LoraSite): void {
    const ad = this.adapter;
    if (!ad) return;
    const mods = ad.byLayer[l]!;
    for (let i = 0; i < mods.length; i++) {
      const m = mods[i]!;
      if (siteOf(m) !== site) continue;
      loraForward(this.kernels, ad, m, this.loraIo(ws, L, l, m), L.lora[i]!, ws.B, ws.T, dropout, ws.loraXd);
    }
  }

  /** `inputGrad` false: only the adapter's own gradients, not the one of its input (nobody reads it). */
  private loraBackward(ws: Workspace, L: LayerActs, l: number, N: number, grads: Gradients, site: LoraSite, inputGrad = true): void {
    const ad = this.adapter;
    if (!ad) return;
    if (!grads.lora) throw new Error('LoRA gradients requested without a buffer');
    const bb = ws.backward();
    const mods = ad.byLayer[l]!;
    for (let i = 0; i < mods.length; i++) {
      const m = mods[i]!;
      if (siteOf(m) !== site) continue;
      const io = this.loraIo(ws, L, l, m);
      const { dout, dx } = this.loraGrads(ws, m);
      loraBackward(this.kernels, ad, m, io, dout, inputGrad ? dx : null, L.lora[i]!, grads.lora, N, bb.dlh, ws.loraXd);
    }
  }

  /** The input a module reads and the (fused) output matrix and columns it adds into, during the forward pass. */
  private loraIo(ws: Workspace, L: LayerActs, l: number, m: LoraModule): LoraIo {
    const { C, I, Dq, Dkv, W } = this.dims;
    const next = l + 1 < ws.layers.length ? ws.layers[l + 1]!.resid : ws.residOut;
    switch (m.target) {
      case 'q_proj':
        return { x: L.ln1, out: L.qkv, outOff: 0, ldOut: W };
      case 'k_proj':
        return { x: L.ln1, out: L.qkv, outOff: Dq, ldOut: W };
      case 'v_proj':
        return { x: L.ln1, out: L.qkv, outOff: Dq + Dkv, ldOut: W };
      case 'o_proj':
        return { x: L.att, out: L.resid2, outOff: 0, ldOut: C };
      case 'gate_proj':
        return { x: L.ln2, out: L.gateUp, outOff: 0, ldOut: 2 * I };
      case 'up_proj':
        return { x: L.ln2, out: L.gateUp, outOff: I, ldOut: 2 * I };
      case 'down_proj':
        return { x: L.h, out: next, outOff: 0, ldOut: C };
    }
  }

  /** The gradient of a module's output (same columns as its forward output) and of its input, in the backward pass. */
  private loraGrads(ws: Workspace, m: LoraModule): { dout: Float32Array; dx: Float32Array } {
    const bb = ws.backward();
    switch (m.target) {
      case 'q_proj':
      case 'k_proj':
      case 'v_proj':
        return { dout: bb.dqkv, dx: bb.dln };
      case 'o_proj':
        return { dout: bb.dres, dx: bb.datt };
      case 'gate_proj':
      case 'up_proj':
        return { dout: bb.dgateUp, dx: bb.dln };
      case 'down_proj':
        return { dout: bb.dres, dx: bb.dh };
    }
  }
}

/** The four places in a layer where LoRA modules read their input. */
type LoraSite = 'attn-in' | 'attn-out' | 'mlp-in' | 'mlp-out';

function siteOf(m: LoraModule): LoraSite {
  switch (m.target) {
    case 'q_proj':
    case 'k_proj':
    case 'v_proj':
      return 'attn-in';
    case 'o_proj':
      return 'attn-out';
    case 'gate_proj':
    case 'up_proj':
      return 'mlp-in';
    case 'down_proj':
      return 'mlp-out';
  }
}
