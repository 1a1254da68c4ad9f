import { type LlamaConfig, modelDims } from './config.js';
import type { AttentionView } from './layers/attention.js';
import type { LoraActs, LoraAdapter } from './lora.js';

/** Activations of one decoder layer, N = B * T rows (sized for the workspace's capacity). */
export interface LayerActs {
  /** Residual stream entering the layer, (N, C). */
  resid: Float32Array;
  /** input_layernorm output (N, C) and its 1/rms (N). */
  ln1: Float32Array;
  rstd1: Float32Array;
  /** [q | k | v] after rotary embedding, (N, W) with W = Dq + 2 Dkv. */
  qkv: Float32Array;
  /** Log-sum-exp of each attention row, (B, Hq, T). */
  lse: Float32Array;
  /** Attention output before o_proj, (N, Dq). */
  att: Float32Array;
  /** Residual after attention, (N, C). */
  resid2: Float32Array;
  /** post_attention_layernorm output (N, C) and its 1/rms (N). */
  ln2: Float32Array;
  rstd2: Float32Array;
  /** [gate | up] pre-activations, (N, 2I). */
  gateUp: Float32Array;
  /** sigmoid(gate), (N, I). */
  sig: Float32Array;
  /** SwiGLU output silu(gate) * up, the down_proj input, (N, I). */
  h: Float32Array;
  /** Attention probabilities (B, Hq, T, T) when the workspace keeps them, else null (rebuilt from lse). */
  probs: Float32Array | null;
  /** One entry per LoRA module of this layer, in the adapter's order. */
  lora: LoraActs[];
  /** Strided views of qkv that the attention kernels read. */
  attn: AttentionView;
}

/** Gradient buffers of the backward pass, shared by all layers. */
export interface BackwardBuffers {
  /** Running d(loss)/d(residual stream), (N, C). */
  dres: Float32Array;
  /** Gradient at a norm's output, (N, C). */
  dln: Float32Array;
  dqkv: Float32Array;
  datt: Float32Array;
  dgateUp: Float32Array;
  dh: Float32Array;
  /** Attention probabilities and their gradient for one head, (T, T) each. */
  probs: Float32Array;
  dprobs: Float32Array;
  /** LoRA d(lh), (N, r). */
  dlh: Float32Array;
}

/** Logits held at once by the LM head: 4M floats (16 MiB) bounds memory for large vocabularies. */
const HEAD_CHUNK_FLOATS = 1 << 22;

/**
 * Attention probabilities are kept for the backward pass when all layers' fit in 16M floats (64 MiB); above that
 * they are rebuilt from the log-sum-exp, one head at a time, so memory stays linear in the sequence length.
 */
const KEEP_PROBS_FLOATS = 1 << 24;

/** Buffers of the LM head and loss. */
export interface HeadBuffers {
  /** Rows per chunk. */
  chunk: number;
  /** Positions that carry a loss term, (N). */
  rows: Int32Array;
  /** Gathered final-norm rows (chunk, C), their logits (chunk, V) and the gradient back to them (chunk, C). */
  x: Float32Array;
  /** The gathered rows' target tokens and loss coefficients, (chunk) each. */
  targets: Int32Array;
  coefs: Float32Array;
  logits: Float32Array;
  dx: Float32Array;
}

/**
 * Every activation buffer for batches up to maxB sequences of up to maxT tokens, allocated once, so the training and
 * scoring loops never allocate. Smaller batches use the leading part of each buffer.
 */
export class Workspace {
  readonly maxB: number;
  readonly maxT: number;
  /** Current batch shape (set by each forward pass). */
  B = 0;
  T = 0;
  readonly tokens: Int32Array;
  readonly positions: Int32Array;
  readonly layers: LayerActs[];
  /** Residual stream after the last layer, (N, C). */
  readonly residOut: Float32Array;
  /** Final norm output (N, C) and its 1/rms (N). */
  readonly lnf: Float32Array;
  readonly rstdf: Float32Array;
  /** Attention scores of one head, (T, T). */
  readonly scores: Float32Array;
  /** LoRA scratch: the dropped-out input (N, maxIn). */
  readonly loraXd: Float32Array;
  /** Token to predict at each position, or -1 where no loss is taken, (N). */
  readonly targets: Int32Array;
  /** Loss coefficient of each position (Eq. 5 folded in: w_i / (B |y_i|)), (N). */
  readonly coef: Float32Array;
  private back: BackwardBuffers | null = null;
  private headBufs: HeadBuffers | null = null;
  private readonly sizes: { N: number; C: number; W: number; Dq: number; I: number; r: number; V: number };
  /** The adapter these buffers were sized for (null: none). */
  readonly adapter: LoraAdapter | null;

  /**
   * `keepProbs` forces keeping (true) or rebuilding (false) attention probabilities; by default they are kept when
   * they fit the budget.
   */
  constructor(config: LlamaConfig, maxB: number, maxT: number, adapter: LoraAdapter | null, keepProbs?: boolean) {
    this.maxB = maxB;
    this.maxT = maxT;
    this.adapter = adapter;
    const N = maxB * maxT;
    const { C, I, Hq, Hkv, hd, Dq, Dkv, W } = modelDims(config);
    const r = adapter ? adapter.config.r : 0;
    this.sizes = { N, C, W, Dq, I, r, V: config.vocab_size };
    this.tokens = new Int32Array(N);
    this.positions = new Int32Array(N);
    this.layers = [];
    const keep = keepProbs ?? maxB * Hq * maxT * maxT * config.num_hidden_layers <= KEEP_PROBS_FLOATS;
    for (let l = 0; l < config.num_hidden_layers; l++) {
      const qkv = new Float32Array(N * W);
      const lora: LoraActs[] = (adapter?.byLayer[l] ?? []).map((m) => ({
        lh: new Float32Array(N * r),
        mask: adapter!.config.dropout > 0 ? new Uint8Array(N * m.inF) : null,
        dropped: false,
      }));
      this.layers.push({
        resid: new Float32Array(N * C),
        ln1: new Float32Array(N * C),
        rstd1: new Float32Array(N),
        qkv,
        lse: new Float32Array(maxB * Hq * maxT),
        att: new Float32Array(N * Dq),
        resid2: new Float32Array(N * C),
        ln2: new Float32Array(N * C),
        rstd2: new Float32Array(N),
        gateUp: new Float32Array(N * 2 * I),
        sig: new Float32Array(N * I),
        h: new Float32Array(N * I),
        probs: keep ? new Float32Array(maxB * Hq * maxT * maxT) : null,
        lora,
        attn: {
          B: 0, Tq: 0, past: 0, Hq, Hkv, hd,
          q: qkv, qLd: W,
          k: qkv, kOff: Dq, kLd: W, kRows: 0,
          v: qkv, vOff: Dq + Dkv,
          padLeft: null,
        },
      });
    }
    this.residOut = new Float32Array(N * C);
    this.lnf = new Float32Array(N * C);
    this.rstdf = new Float32Array(N);
    this.scores = new Float32Array(maxT * maxT);
    this.loraXd = new Float32Array(adapter ? N * adapter.maxIn : 0);
    this.targets = new Int32Array(N);
    this.coef = new Float32Array(N);
  }

  /** Sets the batch shape for the next pass (must fit the capacity). */
  setShape(B: number, T: number): void {
    if (B > this.maxB || T > this.maxT || B <= 0 || T <= 0) {
      throw new RangeError(`batch ${B} x ${T} does not fit a workspace of ${this.maxB} x ${this.maxT}`);
    }
    this.B = B;
    this.T = T;
    for (const L of this.layers) {
      L.attn.B = B;
      L.attn.Tq = T;
      L.attn.kRows = T;
    }
  }

  /** The backward buffers, allocated on first use (scoring and generation never need them). */
  backward(): BackwardBuffers {
    if (!this.back) {
      const { N, C, W, Dq, I, r } = this.sizes;
      const T2 = this.maxT * this.maxT;
      this.back = {
        dres: new Float32Array(N * C),
        dln: new Float32Array(N * C),
        dqkv: new Float32Array(N * W),
        datt: new Float32Array(N * Dq),
        dgateUp: new Float32Array(N * 2 * I),
        dh: new Float32Array(N * I),
        probs: new Float32Array(T2),
        dprobs: new Float32Array(T2),
        dlh: new Float32Array(N * r),
      };
    }
    return this.back;
  }

  /**
   * LM-head buffers, allocated on first use. The head works on chunks of at most `chunk` gathered rows so that a
   * large vocabulary never needs an (N, V) logits matrix.
   */
  head(): HeadBuffers {
    if (!this.headBufs) {
      const { N, C, V } = this.sizes;
      const chunk = Math.max(1, Math.min(N, Math.floor(HEAD_CHUNK_FLOATS / V)));
      this.headBufs = {
        chunk,
        rows: new Int32Array(N),
        x: new Float32Array(chunk * C),
        targets: new Int32Array(chunk),
        coefs: new Float32Array(chunk),
        logits: new Float32Array(chunk * V),
        dx: new Float32Array(chunk * C),
      };
    }
    return this.headBufs;
  }

  /** Bytes held by this workspace's buffers. */
  bytes(): number {
    let total = 0;
    const add = (a: { byteLength: number }): void => {
      total += a.byteLength;
    };
    for (const L of this.layers) {
      for (const a of [L.resid, L.ln1, L.rstd1, L.qkv, L.lse, L.att, L.resid2, L.ln2, L.rstd2, L.gateUp, L.sig, L.h]) add(a);
      if (L.probs) add(L.probs);
      for (const m of L.lora) {
        add(m.lh);
        if (m.mask) add(m.mask);
      }
    }
    for (const a of [this.tokens, this.positions, this.residOut, this.lnf, this.rstdf, this.scores, this.loraXd]) add(a);
    for (const a of [this.targets, this.coef]) add(a);
    if (this.back) for (const a of Object.values(this.back)) add(a as Float32Array);
    if (this.headBufs) {
      const h = this.headBufs;
      for (const a of [h.rows, h.x, h.targets, h.coefs, h.logits, h.dx]) add(a);
    }
    return total;
  }
}
