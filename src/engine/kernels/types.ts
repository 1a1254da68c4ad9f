import type { RopeTable } from '../layers/rope.js';

/**
 * The hot kernels the engine calls: the matrix product and the fused row-wise and attention loops around it. One
 * implementation is native (an N-API addon over a real BLAS, with the loops in C), one is portable (WebAssembly
 * sgemm, the loops in TypeScript: src/engine/layers/); both satisfy this interface and are tested against each other.
 *
 * Matrices are row-major Float32Array views; `lda`/`ldb`/`ldc`/`ld` are row strides in elements. Unless an offset
 * argument says otherwise, arrays are read from their first element.
 */
export interface Kernels {
  /** Which implementation this is (shown in benchmarks and `--verbose` logs). */
  readonly name: string;
  /**
   * C (M x N) = alpha * op(A) @ op(B) + beta * C, where op(A) is M x K and op(B) is K x N.
   * transA: A is stored K x M; transB: B is stored N x K. Offsets select the first element of each matrix.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Float32Array,
    aOffset: number,
    lda: number,
    B: Float32Array,
    bOffset: number,
    ldb: number,
    beta: number,
    C: Float32Array,
    cOffset: number,
    ldc: number,
  ): void;
  /** RMSNorm: out (N, C) = inp * rstd * weight[wOff ..]; rstd (N) = 1 / sqrt(mean(inp^2) + eps). See layers/rmsnorm.ts. */
  rmsnormForward(out: Float32Array, rstd: Float32Array, inp: Float32Array, weight: Float32Array, wOff: number, N: number, C: number, eps: number): void;
  /** dinp (N, C) += d/d(inp) and, unless null, dweight[wOff ..] += d/d(weight), from dout (N, C). */
  rmsnormBackward(
    dinp: Float32Array,
    dweight: Float32Array | null,
    dout: Float32Array,
    inp: Float32Array,
    weight: Float32Array,
    wOff: number,
    rstd: Float32Array,
    N: number,
    C: number,
  ): void;
  /** h (N, I) = silu(g) * u and sig (N, I) = sigmoid(g), each row of gateUp (N, 2I) being [g | u]. See layers/swiglu.ts. */
  swigluForward(h: Float32Array, sig: Float32Array, gateUp: Float32Array, N: number, I: number): void;
  /** dgateUp (N, 2I) = the gradients of [g | u] from dh (N, I). */
  swigluBackward(dgateUp: Float32Array, dh: Float32Array, gateUp: Float32Array, sig: Float32Array, N: number, I: number): void;
  /** Rotary embedding in place on `heads` head vectors from column col0 of each row of x (N, ld). See layers/rope.ts. */
  ropeForward(x: Float32Array, ld: number, col0: number, heads: number, hd: number, pos: Int32Array, N: number, table: RopeTable): void;
  /** The transposed rotation, in place on the gradient. */
  ropeBackward(dx: Float32Array, ld: number, col0: number, heads: number, hd: number, pos: Int32Array, N: number, table: RopeTable): void;
  /**
   * Softmax cross-entropy of m rows of logits (m, V): returns sum_r coefs[r] * -log softmax(row r)[targets[r]]; with
   * `backward` each row becomes its gradient, otherwise the logits are unchanged. See layers/cross-entropy.ts.
   */
  crossEntropy(logits: Float32Array, m: number, V: number, targets: Int32Array, coefs: Float32Array, backward: boolean): number;
  /** Causal grouped-query attention of a view's queries over its keys and values. See layers/attention.ts. */
  attentionForward(out: Float32Array, a: AttentionView, lse: Float32Array | null, scores: Float32Array, keep: boolean): void;
  /** The backward pass of attention for the training layout (one qkv matrix, past 0, no padding). */
  attentionBackward(
    dqkv: Float32Array,
    datt: Float32Array,
    att: Float32Array,
    a: AttentionView,
    lse: Float32Array,
    probs: Float32Array,
    kept: boolean,
    dprobs: Float32Array,
  ): void;
  /** Inverted dropout of x[offset, offset + n) into xd, its keep-mask drawn from new Rng(seed). See engine/dropout.ts. */
  dropoutMask(x: Float32Array, xd: Float32Array, mask: Uint8Array, offset: number, n: number, seed: number, threshold: number, keep: number): void;
  /**
   * dropoutMask for seeds.length sequences of n elements each, sequence b at [b * n, (b + 1) * n) with seed seeds[b]:
   * the same masks and bits as one call per sequence. See engine/dropout.ts.
   */
  dropoutMasks(x: Float32Array, xd: Float32Array, mask: Uint8Array, n: number, seeds: Uint32Array, threshold: number, keep: number): void;
  /** A keep-mask applied again: dst = mask ? src * keep : 0, or dst += that. See engine/dropout.ts. */
  dropoutApply(dst: Float32Array, src: Float32Array, mask: Uint8Array, offset: number, n: number, keep: number, accumulate: boolean): void;
  /** dst[0, size) += src (unless null); returns the sum of dst's squares. See addSumSquares in optim.ts. */
  addSumSquares(dst: Float32Array, src: Float32Array | null, size: number): number;
  /** One AdamW update of elements [offset, offset + size) of params, m and v from grads. See adamwUpdate in optim.ts. */
  adamwUpdate(
    params: Float32Array,
    grads: Float32Array,
    m: Float32Array,
    v: Float32Array,
    offset: number,
    size: number,
    b1: number,
    b2: number,
    eps: number,
    shrink: number,
    stepSize: number,
    bc2Sqrt: number,
  ): void;
}

/** The matrix product alone: what the TypeScript attention loops need from their kernels. */
export type Sgemm = Pick<Kernels, 'sgemm'>;

/** One call's attention operands (layers/attention.ts): row-major activations addressed by strides, so nothing is copied. */
export interface AttentionView {
  B: number;
  /** Query positions per sequence in this call. */
  Tq: number;
  /** Keys already cached before the first query (0 when the whole sequence is in this call). */
  past: number;
  Hq: number;
  Hkv: number;
  hd: number;
  /** Queries: head h of position i of sequence b starts at q[(b * Tq + i) * qLd + h * hd]. */
  q: Float32Array;
  qLd: number;
  /** Keys: head g of position j of sequence b starts at k[kOff + (b * kRows + j) * kLd + g * hd]. */
  k: Float32Array;
  kOff: number;
  kLd: number;
  kRows: number;
  /** Values, laid out like the keys (same kLd and kRows). */
  v: Float32Array;
  vOff: number;
  /** Left padding per sequence: keys before padLeft[b] are never attended to. Null for none. */
  padLeft: Int32Array | null;
}
