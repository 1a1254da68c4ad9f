/**
 * Rotary position embeddings with Hugging Face's `rotate_half` convention: each head's vector is split into two
 * halves (not interleaved pairs), and dimension i pairs with i + hd/2, both at angle pos * theta^(-2i/hd).
 */

/** cos/sin tables, (P, hd/2) each, for positions 0..P-1. */
export interface RopeTable {
  positions: number;
  cos: Float32Array;
  sin: Float32Array;
}

/** Builds the tables for `positions` positions (angles in doubles, stored as float32 like Hugging Face's cache). */
export function ropeTable(positions: number, headDim: number, theta: number): RopeTable {
  const half = headDim / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let i = 0; i < half; i++) {
    const invFreq = 1 / Math.pow(theta, (2 * i) / headDim);
    for (let p = 0; p < positions; p++) {
      cos[p * half + i] = Math.cos(p * invFreq);
      sin[p * half + i] = Math.sin(p * invFreq);
    }
  }
  return { positions, cos, sin };
}

/**
 * Rotates, in place, `heads` consecutive head vectors of width hd starting at column `col0` of each row of x (N, ld),
 * row n at position pos[n]: [a, b] -> [a cos - b sin, b cos + a sin].
 */
export function ropeForward(x: Float32Array, ld: number, col0: number, heads: number, hd: number, pos: Int32Array, N: number, table: RopeTable): void {
  rotate(x, ld, col0, heads, hd, pos, N, table, 1);
}

/** The backward pass of {@link ropeForward}, in place on the gradient: the transposed rotation (by minus the angle). */
export function ropeBackward(dx: Float32Array, ld: number, col0: number, heads: number, hd: number, pos: Int32Array, N: number, table: RopeTable): void {
  rotate(dx, ld, col0, heads, hd, pos, N, table, -1);
}

/** [a, b] -> [a cos - b s, b cos + a s] with s = direction * sin (negating sin is exact, so both passes stay exact). */
function rotate(x: Float32Array, ld: number, col0: number, heads: number, hd: number, pos: Int32Array, N: number, table: RopeTable, direction: 1 | -1): void {
  const half = hd / 2;
  for (let n = 0; n < N; n++) {
    const t = pos[n]! * half;
    for (let h = 0; h < heads; h++) {
      const base = n * ld + col0 + h * hd;
      for (let i = 0; i < half; i++) {
        const c = table.cos[t + i]!;
        const s = direction * table.sin[t + i]!;
        const a = x[base + i]!;
        const b = x[base + half + i]!;
        x[base + i] = a * c - b * s;
        x[base + half + i] = b * c + a * s;
      }
    }
  }
}
