import { fastExp } from './fastexp.js';

/**
 * The SwiGLU gate of the Llama MLP: h = silu(g) * u = g * sigmoid(g) * u, with g and u side by side in one (N, 2I)
 * matrix. The forward pass keeps sigmoid(g) so that the backward pass needs no exponential.
 */

/** h (N, I) = g * s * u and sig (N, I) = s = sigmoid(g), where each row of gateUp (N, 2I) is [g (I), u (I)]. */
export function swigluForward(h: Float32Array, sig: Float32Array, gateUp: Float32Array, N: number, I: number): void {
  for (let n = 0; n < N; n++) {
    const gRow = n * 2 * I;
    const hRow = n * I;
    for (let i = 0; i < I; i++) {
      const g = gateUp[gRow + i]!;
      const s = 1 / (1 + fastExp(-g));
      sig[hRow + i] = s;
      h[hRow + i] = g * s * gateUp[gRow + I + i]!;
    }
  }
}

/**
 * dgateUp (N, 2I) = gradients of [g, u] from dh (N, I):
 * du = dh * g * s; dg = dh * u * s * (1 + g * (1 - s)) with s = sigmoid(g).
 */
export function swigluBackward(
  dgateUp: Float32Array,
  dh: Float32Array,
  gateUp: Float32Array,
  sig: Float32Array,
  N: number,
  I: number,
): void {
  for (let n = 0; n < N; n++) {
    const gRow = n * 2 * I;
    const hRow = n * I;
    for (let i = 0; i < I; i++) {
      const g = gateUp[gRow + i]!;
      const u = gateUp[gRow + I + i]!;
      const d = dh[hRow + i]!;
      const s = sig[hRow + i]!;
      dgateUp[gRow + i] = d * u * s * (1 + g * (1 - s));
      dgateUp[gRow + I + i] = d * g * s;
    }
  }
}
