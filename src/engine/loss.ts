import type { LlamaModel } from './model.js';
import type { Workspace } from './workspace.js';

/**
 * The weighted completion-only causal-LM loss.
 * Per example (Eq. 1): L_i = -(1/|y_i|) sum_t log p(y_t | x, y_<t), over the completion tokens only.
 * Per batch (Eq. 5): L = (1/B) sum_i w_i L_i, with B the number of examples the weights average over.
 * Both are folded into one coefficient per predicted token, w_i / (B |y_i|), so the head never needs to know which
 * example a row came from.
 */

/** One training sequence: prompt then completion tokens, the prompt length, and the example's weight w_i. */
export interface ClmExample {
  ids: ArrayLike<number>;
  /** Leading tokens that are context only (0 for pretraining: every token after the first is predicted). */
  promptLength: number;
  weight: number;
}

/** Number of loss-bearing tokens of an example, |y_i|: its completion, or all but the first token without a prompt. */
export function completionTokens(ex: ClmExample): number {
  return Math.max(0, ex.ids.length - Math.max(ex.promptLength, 1));
}

/**
 * Writes a right-padded micro-batch into the workspace: tokens (B, T), the target of each position (-1 for prompt,
 * padding and the last token) and the coefficient w_i / (denominator * |y_i|). `denominator` is the B of Eq. 5 (the
 * whole effective batch when micro-batches accumulate). An example with no completion token left contributes
 * nothing but still counts in the denominator. Returns T, the longest sequence.
 */
export function packBatch(ws: Workspace, examples: readonly ClmExample[], denominator: number, padId: number): number {
  let T = 0;
  for (const ex of examples) T = Math.max(T, ex.ids.length);
  const B = examples.length;
  ws.setShape(B, T);
  for (let b = 0; b < B; b++) {
    const ex = examples[b]!;
    const len = ex.ids.length;
    const n = completionTokens(ex);
    const c = n > 0 ? ex.weight / (denominator * n) : 0;
    const first = Math.max(ex.promptLength, 1) - 1;
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      ws.tokens[i] = t < len ? ex.ids[t]! : padId;
      const predicted = t >= first && t + 1 < len;
      ws.targets[i] = predicted ? ex.ids[t + 1]! : -1;
      ws.coef[i] = predicted ? c : 0;
    }
  }
  return T;
}

/**
 * The LM head and the loss on the last forward pass: logits only for positions that carry a loss term, in chunks.
 * Returns sum_t coef_t * (-log p(target_t)). With `backward`, also writes d(loss)/d(lnf) into ws.backward().dln and,
 * when `dHead` is given (full fine-tuning), adds the lm_head gradient (tied: the embedding gradient) into it.
 */
export function clmHead(model: LlamaModel, ws: Workspace, backward: boolean, dHead: Float32Array | null): number {
  const C = model.config.hidden_size;
  const V = model.config.vocab_size;
  const N = ws.B * ws.T;
  const head = ws.head();
  const kern = model.kernels;
  const W = model.params;
  const wOff = model.layout.lmHead;
  let M = 0;
  for (let i = 0; i < N; i++) if (ws.targets[i]! >= 0 && ws.coef[i] !== 0) head.rows[M++] = i;
  const dln = backward ? ws.backward().dln : null;
  if (dln) dln.fill(0, 0, N * C);
  let loss = 0;
  for (let start = 0; start < M; start += head.chunk) {
    const m = Math.min(head.chunk, M - start);
    for (let r = 0; r < m; r++) {
      const row = head.rows[start + r]!;
      head.x.set(ws.lnf.subarray(row * C, row * C + C), r * C);
      head.targets[r] = ws.targets[row]!;
      head.coefs[r] = ws.coef[row]!;
    }
    // logits (m, V) = x (m, C) @ lm_head^T (C, V)
    kern.sgemm(false, true, m, V, C, 1, head.x, 0, C, W, wOff, C, 0, head.logits, 0, V);
    // With dln, the logits become d(loss)/d(logits) = coef * (softmax - onehot(target)).
    loss += kern.crossEntropy(head.logits, m, V, head.targets, head.coefs, dln !== null);
    if (!dln) continue;
    // dx (m, C) = dlogits (m, V) @ lm_head (V, C), scattered back to the rows' positions
    kern.sgemm(false, false, m, C, V, 1, head.logits, 0, V, W, wOff, C, 0, head.dx, 0, C);
    for (let r = 0; r < m; r++) {
      const dst = head.rows[start + r]! * C;
      for (let c = 0; c < C; c++) dln[dst + c] = head.dx[r * C + c]!;
    }
    // dlm_head (V, C) += dlogits^T (V, m) @ x (m, C)
    if (dHead) kern.sgemm(true, false, V, C, m, 1, head.logits, 0, V, head.x, 0, C, 1, dHead, wOff, C);
  }
  return loss;
}
