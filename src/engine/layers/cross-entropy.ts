import { fastExp } from './fastexp.js';

/**
 * Softmax cross-entropy over the vocabulary, the loss head's hot loop: for each of m rows of logits (m, V) with a
 * target token and a coefficient (Eq. 1 and 5 folded in, see loss.ts), loss += coef * -log softmax(row)[target].
 * With `backward`, each row is overwritten by its gradient coef * (softmax - onehot(target)); otherwise the logits
 * are left as they were. Returns the summed loss.
 */
export function crossEntropy(
  logits: Float32Array,
  m: number,
  V: number,
  targets: Int32Array,
  coefs: Float32Array,
  backward: boolean,
): number {
  let loss = 0;
  for (let r = 0; r < m; r++) {
    const z = r * V;
    const target = targets[r]!;
    const coef = coefs[r]!;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[z + v]! > max) max = logits[z + v]!;
    const zt = logits[z + target]!;
    let sum = 0;
    if (backward) {
      for (let v = 0; v < V; v++) {
        const e = fastExp(logits[z + v]! - max);
        logits[z + v] = e;
        sum += e;
      }
    } else {
      for (let v = 0; v < V; v++) sum += fastExp(logits[z + v]! - max);
    }
    loss += coef * (max + Math.log(sum) - zt);
    if (!backward) continue;
    // d(loss)/d(logits) = coef * (softmax - onehot(target))
    const k = coef / sum;
    for (let v = 0; v < V; v++) logits[z + v] = logits[z + v]! * k;
    logits[z + target] = logits[z + target]! - coef;
  }
  return loss;
}
