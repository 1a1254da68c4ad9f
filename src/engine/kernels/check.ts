/**
 * Argument checks for sgemm, shared by every implementation that runs in JavaScript (the native addon repeats them in
 * C). A shape that does not fit its array is a programming error in the engine, so it raises a RangeError with the
 * numbers, before any element is touched.
 */

/** Throws unless `value` is an integer in [0, 2^31), the range every implementation indexes with. */
function checkIndex(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`sgemm: ${name} must be an integer >= 0, got ${value}`);
  }
}

/** Throws unless a row-major `rows` x `cols` matrix at `offset` with row stride `ld` lies inside `array`. */
function checkExtent(name: string, rows: number, cols: number, offset: number, ld: number, array: Float32Array): void {
  if (ld < cols) throw new RangeError(`sgemm: leading dimension of ${name} (${ld}) is smaller than its row width (${cols})`);
  if (rows === 0 || cols === 0) return;
  const end = offset + (rows - 1) * ld + cols;
  if (end > array.length) {
    throw new RangeError(
      `sgemm: ${name} (${rows} x ${cols}, offset ${offset}, stride ${ld}) needs ${end} elements, array has ${array.length}`,
    );
  }
}

/** Validates every sgemm argument against the contract in types.ts. */
export function checkSgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  aOffset: number,
  lda: number,
  B: Float32Array,
  bOffset: number,
  ldb: number,
  C: Float32Array,
  cOffset: number,
  ldc: number,
): void {
  checkIndex('M', M);
  checkIndex('N', N);
  checkIndex('K', K);
  checkIndex('aOffset', aOffset);
  checkIndex('lda', lda);
  checkIndex('bOffset', bOffset);
  checkIndex('ldb', ldb);
  checkIndex('cOffset', cOffset);
  checkIndex('ldc', ldc);
  checkExtent('A', transA ? K : M, transA ? M : K, aOffset, lda, A);
  checkExtent('B', transB ? N : K, transB ? K : N, bOffset, ldb, B);
  checkExtent('C', M, N, cOffset, ldc, C);
}
