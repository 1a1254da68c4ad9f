import { modelDims } from './config.js';
import type { AttentionView } from './layers/attention.js';
import { embeddingForward } from './layers/embedding.js';
import { type LoraActs, type LoraIo, type LoraModule, loraForward } from './lora.js';
import type { LlamaModel } from './model.js';

/**
 * Incremental inference: the key/value cache of a batch of left-padded sequences and the forward pass of new tokens
 * against it. Padded keys are masked and each sequence's positions start at 0 on its first real token.
 */

/** Key/value cache and per-step buffers for B sequences of up to `cap` positions. */
export class InferenceState {
  readonly B: number;
  /** Positions the cache holds per sequence. */
  readonly cap: number;
  /** Keys and values of each layer, (B, cap, Dkv) each. */
  readonly k: Float32Array[];
  readonly v: Float32Array[];
  /** Left padding of each sequence. */
  readonly padLeft: Int32Array;
  /** Positions already in the cache. */
  past = 0;
  /** The new tokens of the next step, (B, Tq), and their rotary positions. */
  readonly tokens: Int32Array;
  readonly positions: Int32Array;
  /** Per-step activations for up to B * maxTq rows: residual stream (in place), norm output, q/k/v, attention output, MLP. */
  readonly x: Float32Array;
  readonly ln: Float32Array;
  readonly rstd: Float32Array;
  readonly qkv: Float32Array;
  readonly att: Float32Array;
  readonly gateUp: Float32Array;
  readonly h: Float32Array;
  readonly sig: Float32Array;
  readonly scores: Float32Array;
  /** Final norm of each sequence's last new position (B, C) and the next-token logits (B, V). */
  readonly last: Float32Array;
  readonly lastRstd: Float32Array;
  readonly logits: Float32Array;
  readonly lora: LoraActs;
  readonly loraXd: Float32Array;
  readonly views: AttentionView[];

  constructor(model: LlamaModel, B: number, maxTq: number, cap: number) {
    const c = model.config;
    const { C, I, hd, Hq, Hkv, Dq, Dkv, W } = modelDims(c);
    const N = B * maxTq;
    this.B = B;
    this.cap = cap;
    this.k = [];
    this.v = [];
    this.views = [];
    this.qkv = new Float32Array(N * W);
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const k = new Float32Array(B * cap * Dkv);
      const v = new Float32Array(B * cap * Dkv);
      this.k.push(k);
      this.v.push(v);
      this.views.push({ B, Tq: 0, past: 0, Hq, Hkv, hd, q: this.qkv, qLd: W, k, kOff: 0, kLd: Dkv, kRows: cap, v, vOff: 0, padLeft: null });
    }
    this.padLeft = new Int32Array(B);
    this.tokens = new Int32Array(N);
    this.positions = new Int32Array(N);
    this.x = new Float32Array(N * C);
    this.ln = new Float32Array(N * C);
    this.rstd = new Float32Array(N);
    this.att = new Float32Array(N * Dq);
    this.gateUp = new Float32Array(N * 2 * I);
    this.h = new Float32Array(N * I);
    this.sig = new Float32Array(N * I);
    this.scores = new Float32Array(maxTq * cap);
    this.last = new Float32Array(B * C);
    this.lastRstd = new Float32Array(B);
    this.logits = new Float32Array(B * c.vocab_size);
    const ad = model.adapter;
    this.lora = { lh: new Float32Array(ad ? N * ad.config.r : 0), mask: null, dropped: false };
    this.loraXd = new Float32Array(0);
  }
}

/**
 * Runs Tq new tokens per sequence (state.tokens, (B, Tq)) through the model, appending their keys and values to the
 * cache, and leaves the logits of each sequence's last new token in state.logits (B, V).
 *
 * Only those last tokens' logits are read, so the last layer works on them alone once its keys and values are cached:
 * its attention, output projection and MLP run on B rows instead of B * Tq (a prompt's pass saves most of a layer).
 * Each row's arithmetic is the same either way.
 */
export function step(model: LlamaModel, s: InferenceState, Tq: number): void {
  const c = model.config;
  const { C, I, V, hd, Hq, Hkv, Dq, Dkv, W } = modelDims(c);
  const B = s.B;
  const layers = c.num_hidden_layers;
  const k = model.kernels;
  const P = model.params;
  const rope = model.ensurePositions(s.past + Tq);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Tq; i++) s.positions[b * Tq + i] = Math.max(0, s.past + i - s.padLeft[b]!);
  }
  // Rows of the residual stream (and of every activation) in the layer being run: B * Tq, or B in a pruned last layer.
  let N = B * Tq;
  let pruned = false;
  embeddingForward(s.x, s.tokens, P, model.layout.embed, N, C);
  for (let l = 0; l < layers; l++) {
    const off = model.layout.layers[l]!;
    k.rmsnormForward(s.ln, s.rstd, s.x, P, off.ln1, N, C, c.rms_norm_eps);
    k.sgemm(false, true, N, W, C, 1, s.ln, 0, C, P, off.qkv, C, 0, s.qkv, 0, W);
    lora(model, s, l, N, 'attn-in');
    k.ropeForward(s.qkv, W, 0, Hq + Hkv, hd, s.positions, N, rope);
    const kc = s.k[l]!;
    const vc = s.v[l]!;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < Tq; i++) {
        const src = (b * Tq + i) * W;
        const dst = (b * s.cap + s.past + i) * Dkv;
        kc.set(s.qkv.subarray(src + Dq, src + Dq + Dkv), dst);
        vc.set(s.qkv.subarray(src + Dq + Dkv, src + Dq + 2 * Dkv), dst);
      }
    }
    const view = s.views[l]!;
    view.Tq = Tq;
    view.past = s.past;
    view.padLeft = s.padLeft;
    if (l === layers - 1 && Tq > 1) {
      // From here on only each sequence's last position: its query and residual row move to row b (rows only move
      // down, so none is overwritten before it is read), and it attends to the whole cache as a one-token step would.
      for (let b = 0; b < B; b++) {
        const row = b * Tq + Tq - 1;
        s.qkv.copyWithin(b * W, row * W, row * W + Dq);
        s.x.copyWithin(b * C, row * C, row * C + C);
      }
      view.Tq = 1;
      view.past = s.past + Tq - 1;
      N = B;
      pruned = true;
    }
    k.attentionForward(s.att, view, null, s.scores, false);
    // The residual stream is updated in place: x += att @ Wo^T, then x += h @ Wdown^T.
    k.sgemm(false, true, N, C, Dq, 1, s.att, 0, Dq, P, off.o, Dq, 1, s.x, 0, C);
    lora(model, s, l, N, 'attn-out');
    k.rmsnormForward(s.ln, s.rstd, s.x, P, off.ln2, N, C, c.rms_norm_eps);
    k.sgemm(false, true, N, 2 * I, C, 1, s.ln, 0, C, P, off.gateUp, C, 0, s.gateUp, 0, 2 * I);
    lora(model, s, l, N, 'mlp-in');
    k.swigluForward(s.h, s.sig, s.gateUp, N, I);
    k.sgemm(false, true, N, C, I, 1, s.h, 0, I, P, off.down, I, 1, s.x, 0, C);
    lora(model, s, l, N, 'mlp-out');
  }
  s.past += Tq;
  // Each sequence's last row: row b after a pruned last layer, else row b * Tq + Tq - 1.
  const last = pruned ? 1 : Tq;
  for (let b = 0; b < B; b++) {
    const src = (b * last + last - 1) * C;
    s.ln.set(s.x.subarray(src, src + C), b * C);
  }
  k.rmsnormForward(s.last, s.lastRstd, s.ln, P, model.layout.normF, B, C, c.rms_norm_eps);
  k.sgemm(false, true, B, V, C, 1, s.last, 0, C, P, model.layout.lmHead, C, 0, s.logits, 0, V);
}

type Site = 'attn-in' | 'attn-out' | 'mlp-in' | 'mlp-out';

function lora(model: LlamaModel, s: InferenceState, l: number, N: number, site: Site): void {
  const ad = model.adapter;
  if (!ad) return;
  for (const m of ad.byLayer[l]!) {
    const io = loraIo(model, s, m, site);
    if (io) loraForward(model.kernels, ad, m, io, s.lora, 1, N, null, s.loraXd);
  }
}

function loraIo(model: LlamaModel, s: InferenceState, m: LoraModule, site: Site): LoraIo | null {
  const { C, I, Dq, Dkv, W } = modelDims(model.config);
  switch (m.target) {
    case 'q_proj':
      return site === 'attn-in' ? { x: s.ln, out: s.qkv, outOff: 0, ldOut: W } : null;
    case 'k_proj':
      return site === 'attn-in' ? { x: s.ln, out: s.qkv, outOff: Dq, ldOut: W } : null;
    case 'v_proj':
      return site === 'attn-in' ? { x: s.ln, out: s.qkv, outOff: Dq + Dkv, ldOut: W } : null;
    case 'o_proj':
      return site === 'attn-out' ? { x: s.att, out: s.x, outOff: 0, ldOut: C } : null;
    case 'gate_proj':
      return site === 'mlp-in' ? { x: s.ln, out: s.gateUp, outOff: 0, ldOut: 2 * I } : null;
    case 'up_proj':
      return site === 'mlp-in' ? { x: s.ln, out: s.gateUp, outOff: I, ldOut: 2 * I } : null;
    case 'down_proj':
      return site === 'mlp-out' ? { x: s.h, out: s.x, outOff: 0, ldOut: C } : null;
  }
}
