/** Token embedding lookup; the backward pass scatters row gradients back into the table. */

/** out (N, C) = table[tOff + tokens[n] * C ...] for each of the N tokens. */
export function embeddingForward(
  out: Float32Array,
  tokens: Int32Array,
  table: Float32Array,
  tOff: number,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const src = tOff + tokens[n]! * C;
    const dst = n * C;
    for (let c = 0; c < C; c++) out[dst + c] = table[src + c]!;
  }
}

/** dtable (V, C, at tOff) += dout (N, C) rows, each added to the row of its token. */
export function embeddingBackward(
  dtable: Float32Array,
  tOff: number,
  dout: Float32Array,
  tokens: Int32Array,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const t = tOff + tokens[n]! * C;
    const row = n * C;
    for (let c = 0; c < C; c++) dtable[t + c] = dtable[t + c]! + dout[row + c]!;
  }
}
