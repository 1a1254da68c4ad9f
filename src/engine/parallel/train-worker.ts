import { parentPort, workerData } from 'node:worker_threads';
import { type GradientJob, accumulateGradients } from '../accumulate.js';
import { getKernels } from '../kernels/index.js';
import { portableKernels } from '../kernels/portable.js';
import type { Kernels } from '../kernels/types.js';
import { LoraAdapter } from '../lora.js';
import { type Gradients, LlamaModel } from '../model.js';
import { paramLayout } from '../params.js';
import { WORKER_PROTOCOL as P, type WorkerSetup } from './data-parallel.js';
import type { Workspace } from '../workspace.js';

/** A training worker thread (see parallel.ts): rebuilds the model on shared weights and runs gradient jobs. */
const setup = workerData as WorkerSetup;
const control = new Int32Array(setup.control);
const result = new Float64Array(setup.result);
const message = new Uint8Array(setup.message);

function fail(error: unknown): void {
  const text = new TextEncoder().encode(error instanceof Error ? (error.stack ?? error.message) : String(error));
  message.fill(0);
  message.set(text.subarray(0, P.MESSAGE_BYTES - 1));
  Atomics.store(control, P.STATE, P.FAILED);
  Atomics.notify(control, P.STATE);
}

let state: { model: LlamaModel; ws: Workspace; grads: Gradients; grad: Float32Array } | null = null;
let setupError: unknown = null;
try {
  // The trainer's kernels by name (`portable-wasm`/`portable-js` or `native`), so every thread computes alike.
  const kernels: Kernels = setup.kernels.startsWith('portable') ? portableKernels : getKernels();
  const params = new Float32Array(setup.params, setup.paramsOffset, paramLayout(setup.config).size);
  const model = new LlamaModel(setup.config, kernels, params);
  const lora = setup.lora;
  if (lora) model.attachLora(new LoraAdapter(setup.config, lora.config, new Float32Array(lora.params, lora.offset, lora.length)));
  const grad = new Float32Array(setup.grad);
  const grads: Gradients = lora ? { base: null, lora: grad } : { base: grad, lora: null };
  state = { model, ws: model.workspace(setup.maxB, setup.maxT), grads, grad };
} catch (error) {
  setupError = error;
}
Atomics.store(control, P.READY, 1);
Atomics.notify(control, P.READY);

parentPort!.on('message', (job: GradientJob) => {
  if (!state) return fail(setupError);
  try {
    if (job.zero) state.grad.fill(0);
    result[0] = accumulateGradients(state.model, state.ws, job, state.grads);
    Atomics.store(control, P.STATE, P.DONE);
    Atomics.notify(control, P.STATE);
  } catch (error) {
    fail(error);
  }
});
