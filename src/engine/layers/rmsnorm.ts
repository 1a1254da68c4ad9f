/**
 * RMSNorm, computed in float32 like Hugging Face's LlamaRMSNorm: y = x * rsqrt(mean(x^2) + eps) * w.
 * Sums accumulate in doubles (JavaScript numbers).
 */

/**
 * out (N, C) = inp (N, C) * rstd * weight (C, at weight[wOff]); rstd (N) = 1 / sqrt(mean(inp^2) + eps), kept for the
 * backward pass.
 */
export function rmsnormForward(
  out: Float32Array,
  rstd: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  wOff: number,
  N: number,
  C: number,
  eps: number,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * C;
    let ss = 0;
    for (let c = 0; c < C; c++) {
      const x = inp[row + c]!;
      ss += x * x;
    }
    const r = Math.fround(1 / Math.sqrt(ss / C + eps));
    rstd[n] = r;
    for (let c = 0; c < C; c++) out[row + c] = inp[row + c]! * r * weight[wOff + c]!;
  }
}

/**
 * Accumulates dinp (N, C) += d(loss)/d(inp) and, when given, dweight (C, at dweight[wOff]) += d(loss)/d(weight),
 * from dout (N, C). With g = dout * w: dinp = r * g - inp * r^3 * mean(g * inp).
 */
export function rmsnormBackward(
  dinp: Float32Array,
  dweight: Float32Array | null,
  dout: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  wOff: number,
  rstd: Float32Array,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const r = rstd[n]!;
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dout[row + c]! * weight[wOff + c]! * inp[row + c]!;
    const k = (dot * r * r * r) / C;
    if (dweight) {
      for (let c = 0; c < C; c++) {
        const x = inp[row + c]!;
        const dy = dout[row + c]!;
        dinp[row + c] = dinp[row + c]! + r * dy * weight[wOff + c]! - k * x;
        dweight[wOff + c] = dweight[wOff + c]! + dy * x * r;
      }
    } else {
      for (let c = 0; c < C; c++) dinp[row + c] = dinp[row + c]! + r * dout[row + c]! * weight[wOff + c]! - k * inp[row + c]!;
    }
  }
}
