import { type ClmExample, clmHead, packBatch } from './loss.js';
import type { Gradients, LlamaModel } from './model.js';
import type { Workspace } from './workspace.js';

/** One forward/backward pass over some examples of a batch: what each training thread runs. */
export interface GradientJob {
  examples: ClmExample[];
  /** One key per example, seeding its LoRA dropout masks. */
  keys: string[];
  /** The B of Eq. 5: the size of the whole batch these examples belong to. */
  denominator: number;
  padId: number;
  dropoutSeed: number;
  /** Zero the gradient buffer first (the first job of an optimizer step). */
  zero: boolean;
}

/** Runs one job: adds its examples' gradients of Eq. 5 into `grads` and returns their share of the batch loss. */
export function accumulateGradients(model: LlamaModel, ws: Workspace, job: GradientJob, grads: Gradients): number {
  const T = packBatch(ws, job.examples, job.denominator, job.padId);
  model.forward(ws, job.examples.length, T, { seed: job.dropoutSeed, keys: job.keys });
  const loss = clmHead(model, ws, true, grads.base);
  model.backward(ws, grads);
  return loss;
}
