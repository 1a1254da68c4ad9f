/**
 * The hot kernels the engine calls. One implementation is native (an N-API addon over a real BLAS), one is portable;
 * both satisfy this interface and are tested against each other.
 *
 * Matrices are row-major Float32Array views; `lda`/`ldb`/`ldc` are row strides in elements.
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
}
