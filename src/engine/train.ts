import { Rng } from '../core/rng.js';
import { badInput, EXIT_FAILURE, W2sError } from '../errors.js';
import type { LlamaConfig } from './config.js';
import type { Kernels } from './kernels/types.js';
import { type GradientJob, accumulateGradients } from './accumulate.js';
import { type ClmExample, clmHead, packBatch } from './loss.js';
import { type LoraConfig, LoraAdapter } from './lora.js';
import { type Gradients, LlamaModel } from './model.js';
import { AdamW, type AdamWOptions, type DecaySegment, TRAINER_ADAMW, clipToNorm, linearSchedule } from './optim.js';
import { GradientWorkers, parallelAvailable } from './parallel/data-parallel.js';

/** Learning-rate schedules: Hugging Face's linear decay (Trainer default), cosine decay, or constant. */
export type Schedule = 'linear' | 'cosine' | 'constant';

export interface TrainOptions {
  learningRate: number;
  /** Examples per optimizer step: the B of Eq. 5 that the weights average over. */
  batchSize: number;
  /**
   * Examples per forward/backward pass (default: batchSize). Gradients of the micro-batches of one step add up, each
   * example scaled by 1 / (its step's batch size), so the update equals one pass over the whole batch.
   */
  microBatchSize?: number;
  /** Passes over the data (Trainer default 3). Ignored when maxSteps is set. */
  epochs?: number;
  /** Stop after this many optimizer steps, starting new epochs as needed (like Trainer's max_steps). */
  maxSteps?: number;
  warmupSteps?: number;
  schedule?: Schedule;
  adamw?: Partial<AdamWOptions>;
  /** Clip the global gradient norm to this value (Trainer default 1.0); null disables clipping. */
  maxGradNorm?: number | null;
  /** Seeds shuffling (a new order every epoch), LoRA initialisation and LoRA dropout. */
  seed: number;
  /**
   * Train a fresh LoRA adapter with this config (attached to the model). Without it, an adapter already attached to the
   * model is trained; with neither, every base parameter is trained (full fine-tuning).
   */
  lora?: LoraConfig;
  /** Token id written into padding positions (never attended to by real tokens, never in the loss). Default 0. */
  padTokenId?: number;
  /**
   * Threads that share each micro-batch (data parallel over shared weights; default 1). Results match one thread up
   * to float summation order. Needs the compiled engine (worker script); otherwise training uses one thread. With
   * native kernels, BLAS runs single-threaded inside each worker meanwhile.
   */
  threads?: number;
  /** Called after every optimizer step. */
  onStep?: (info: StepInfo) => void;
  /**
   * Save the training state every `every` steps, so that an interrupted run can go on with `resumeFrom` and end exactly
   * where an uninterrupted one would (shuffling and dropout are functions of the seed and the step, not of history).
   */
  checkpoint?: { every: number; save(state: TrainState): void };
  /** Go on from a saved state: its trainable parameters and optimizer moments after `step` steps. */
  resumeFrom?: TrainState;
}

/** What a training run needs to go on after an interruption. */
export interface TrainState {
  /** Optimizer steps done. */
  step: number;
  /** The trainable parameters (the adapter's for LoRA, else the model's). */
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** What the training loop reports after each optimizer step. */
export interface StepInfo {
  /** Optimizer steps done (1-based). */
  step: number;
  totalSteps: number;
  epoch: number;
  /** The batch's loss, Eq. 5. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  learningRate: number;
  /** Tokens processed in this step (padding excluded). */
  tokens: number;
}

export interface TrainResult {
  steps: number;
  /** Loss of every optimizer step this call ran (after `resumeFrom.step` when resuming). */
  losses: number[];
  /** The trained adapter (LoRA) or null (full fine-tuning). */
  adapter: LoraAdapter | null;
  /** Bytes of activations, gradients and optimizer state the run allocated. */
  memoryBytes: number;
}

/** Examples (by index) of each optimizer step, epoch by epoch, each epoch in a fresh seeded order. */
function stepPlan(n: number, batchSize: number, totalSteps: number, seed: number): { epoch: number; items: number[] }[] {
  const plan: { epoch: number; items: number[] }[] = [];
  const all = Array.from({ length: n }, (_, i) => i);
  for (let epoch = 0; plan.length < totalSteps; epoch++) {
    const order = Rng.derive(seed, `shuffle:${epoch}`).shuffle(all);
    for (let s = 0; s < n && plan.length < totalSteps; s += batchSize) plan.push({ epoch, items: order.slice(s, s + batchSize) });
  }
  return plan;
}

function validate(model: LlamaModel, examples: readonly ClmExample[], o: TrainOptions): void {
  const V = model.config.vocab_size;
  if (examples.length === 0) throw badInput('no training examples', { field: 'examples' });
  examples.forEach((ex, i) => {
    if (ex.ids.length === 0) throw badInput('empty token sequence', { field: `examples[${i}].ids` });
    for (let t = 0; t < ex.ids.length; t++) {
      const id = ex.ids[t]!;
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        throw badInput(`token ${id} at position ${t} is outside the vocabulary (0..${V - 1})`, { field: `examples[${i}].ids` });
      }
    }
    if (!Number.isInteger(ex.promptLength) || ex.promptLength < 0 || ex.promptLength > ex.ids.length) {
      throw badInput(`must be an integer in [0, ${ex.ids.length}]`, { field: `examples[${i}].promptLength` });
    }
    if (!Number.isFinite(ex.weight) || ex.weight < 0) throw badInput(`must be a finite weight >= 0`, { field: `examples[${i}].weight` });
  });
  const positive = (field: string, v: number | undefined, integer: boolean): void => {
    if (v === undefined) return;
    if (!(v > 0) || (integer && !Number.isInteger(v))) throw badInput(`must be a positive ${integer ? 'integer' : 'number'}, got ${v}`, { field });
  };
  positive('learningRate', o.learningRate, false);
  positive('batchSize', o.batchSize, true);
  positive('microBatchSize', o.microBatchSize, true);
  positive('epochs', o.epochs, false);
  positive('maxSteps', o.maxSteps, true);
  positive('threads', o.threads, true);
  if (o.warmupSteps !== undefined && !(Number.isInteger(o.warmupSteps) && o.warmupSteps >= 0)) {
    throw badInput(`must be an integer >= 0, got ${o.warmupSteps}`, { field: 'warmupSteps' });
  }
  if (o.maxGradNorm !== undefined && o.maxGradNorm !== null) positive('maxGradNorm', o.maxGradNorm, false);
}

/** The learning rate for each 0-based optimizer step. */
export function scheduleFn(kind: Schedule, lr: number, total: number, warmup: number): (step: number) => number {
  if (kind === 'linear') return linearSchedule(lr, total, warmup);
  if (kind === 'constant') return (step) => (step < warmup ? (lr * step) / Math.max(1, warmup) : lr);
  // Hugging Face's get_cosine_schedule_with_warmup (half a cosine period).
  return (step) => {
    if (step < warmup) return (lr * step) / Math.max(1, warmup);
    const progress = (step - warmup) / Math.max(1, total - warmup);
    return lr * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
  };
}

/**
 * Trains the model on completion-only weighted CLM (Eq. 1 and 5): seeded shuffling, micro-batches accumulated into
 * batches, global-norm clipping, AdamW with a learning-rate schedule. Full fine-tuning or LoRA (see
 * {@link TrainOptions.lora}). Pretraining is the same loop with promptLength 0.
 */
export function train(model: LlamaModel, examples: readonly ClmExample[], options: TrainOptions): TrainResult {
  validate(model, examples, options);
  const batchSize = options.batchSize;
  const micro = Math.min(options.microBatchSize ?? batchSize, batchSize);
  const stepsPerEpoch = Math.ceil(examples.length / batchSize);
  const totalSteps = options.maxSteps ?? Math.ceil((options.epochs ?? 3) * stepsPerEpoch);
  const lrAt = scheduleFn(options.schedule ?? 'linear', options.learningRate, totalSteps, options.warmupSteps ?? 0);
  const maxGradNorm = options.maxGradNorm === undefined ? 1.0 : options.maxGradNorm;
  const padId = options.padTokenId ?? 0;

  if (options.lora) model.attachLora(LoraAdapter.init(model.config, options.lora, options.seed));
  const adapter = model.adapter;
  const trainable = adapter ? adapter.params : model.params;
  const grad = new Float32Array(trainable.length);
  const grads: Gradients = adapter ? { base: null, lora: grad } : { base: grad, lora: null };
  const segments: DecaySegment[] = adapter
    ? [{ offset: 0, size: adapter.params.length, decay: true }]
    : model.layout.entries.map((e) => ({ offset: e.offset, size: e.size, decay: e.decay }));
  const opt = new AdamW(trainable.length, segments, { ...TRAINER_ADAMW, ...options.adamw }, model.kernels);
  const resume = options.resumeFrom;
  if (resume) {
    if (resume.params.length !== trainable.length || resume.m.length !== trainable.length || resume.v.length !== trainable.length) {
      throw badInput(`the saved state has ${resume.params.length} parameters, this run trains ${trainable.length}`, { field: 'resumeFrom' });
    }
    trainable.set(resume.params);
    opt.m.set(resume.m);
    opt.v.set(resume.v);
    opt.t = resume.step;
  }

  let maxT = 0;
  for (const ex of examples) maxT = Math.max(maxT, ex.ids.length);
  const threads = Math.max(1, Math.min(options.threads ?? 1, micro));
  const pool = threads > 1 && parallelAvailable(model) ? new GradientWorkers(model, threads - 1, Math.ceil(micro / threads), maxT) : null;
  const parts = pool ? threads : 1;
  const ws = model.workspace(Math.ceil(micro / parts), maxT);
  const restoreBlas = pool ? singleThreadedBlas(model.kernels) : () => undefined;
  const plan = stepPlan(examples.length, batchSize, totalSteps, options.seed);
  const losses: number[] = [];
  try {
    for (let s = resume?.step ?? 0; s < plan.length; s++) {
      const { epoch, items } = plan[s]!;
      // Grouping a step's examples by length only changes padding: every example keeps its 1/B coefficient.
      const order = [...items].sort((a, b) => examples[a]!.ids.length - examples[b]!.ids.length);
      const job = (idx: number[], zero: boolean): GradientJob => ({
        examples: idx.map((i) => examples[i]!),
        keys: idx.map((i) => `${s}:${i}`),
        denominator: order.length,
        padId,
        dropoutSeed: options.seed,
        zero,
      });
      grad.fill(0);
      const used = new Set<number>();
      let loss = 0;
      let tokens = 0;
      for (let m = 0; m * micro < order.length; m++) {
        const micros = order.slice(m * micro, (m + 1) * micro);
        // Interleaved shares keep the threads' sequence lengths balanced.
        const shares = Array.from({ length: parts }, (_, p) => micros.filter((_, j) => j % parts === p));
        for (let p = 1; p < parts; p++) {
          if (shares[p]!.length === 0) continue;
          pool!.start(p - 1, job(shares[p]!, !used.has(p - 1)));
          used.add(p - 1);
        }
        loss += accumulateGradients(model, ws, job(shares[0]!, false), grads);
        for (let p = 1; p < parts; p++) if (shares[p]!.length > 0) loss += pool!.finish(p - 1);
        for (const i of micros) tokens += examples[i]!.ids.length;
      }
      // The workers' gradients are added in and the norm taken in one pass over memory (gradNorm's arithmetic).
      const sumSquares = pool
        ? pool.addGradients(grad, [...used].sort((a, b) => a - b), model.kernels)
        : model.kernels.addSumSquares(grad, null, grad.length);
      const norm = Math.sqrt(sumSquares);
      if (maxGradNorm !== null) clipToNorm(grad, maxGradNorm, norm);
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) throw diverged(s + 1, `loss ${loss}, gradient norm ${norm}`);
      const lr = lrAt(s);
      opt.step(trainable, grad, lr);
      if (s + 1 === plan.length && !trainable.every(Number.isFinite)) throw diverged(s + 1, 'the updated weights are not finite');
      losses.push(loss);
      if (options.checkpoint && (s + 1) % options.checkpoint.every === 0 && s + 1 < plan.length) {
        options.checkpoint.save({ step: s + 1, params: trainable, m: opt.m, v: opt.v });
      }
      options.onStep?.({ step: s + 1, totalSteps, epoch, loss, gradNorm: norm, learningRate: lr, tokens });
    }
  } finally {
    pool?.close();
    restoreBlas();
  }
  return {
    steps: plan.length,
    losses,
    adapter,
    memoryBytes: parts * (ws.bytes() + grad.byteLength) + opt.m.byteLength + opt.v.byteLength,
  };
}

/** A run whose loss or weights stopped being numbers: a failure (exit 1), never a model to save. */
function diverged(step: number, what: string): W2sError {
  return new W2sError(`training diverged at step ${step} (${what}); nothing was written: lower the learning rate`, {}, EXIT_FAILURE);
}

/**
 * Native kernels run BLAS on several threads by default; with one worker per core that would oversubscribe the
 * cores, so BLAS runs single-threaded until the returned function restores the previous setting.
 */
function singleThreadedBlas(kernels: Kernels): () => void {
  const native = kernels as Partial<{ setThreads(n: number): void; info(): { threads: number } }>;
  if (typeof native.setThreads !== 'function' || typeof native.info !== 'function') return () => undefined;
  const before = native.info().threads;
  native.setThreads(1);
  return () => native.setThreads!(before);
}

/** The loss (Eq. 5 over all examples as one batch) without training; micro-batched for memory. */
export function evaluateLoss(model: LlamaModel, examples: readonly ClmExample[], microBatchSize = 16, padTokenId = 0): number {
  let maxT = 0;
  for (const ex of examples) maxT = Math.max(maxT, ex.ids.length);
  const ws = model.workspace(Math.min(microBatchSize, examples.length), maxT);
  let loss = 0;
  for (let m = 0; m < examples.length; m += microBatchSize) {
    const part = examples.slice(m, m + microBatchSize);
    const T = packBatch(ws, part, examples.length, padTokenId);
    model.forward(ws, part.length, T, null);
    loss += clmHead(model, ws, false, null);
  }
  return loss;
}

export interface TrainingTiming {
  /** Timed optimizer steps (after the warm-up steps). */
  steps: number;
  seconds: number;
  /** Tokens per second over the timed steps. */
  tokensPerSecond: number;
  memoryBytes: number;
}

/**
 * Times full-batch training steps of a randomly initialised model on random tokens (every position predicted), for
 * benchmarks: `warmup` untimed steps, then `steps` timed ones.
 */
export function timeTraining(
  config: LlamaConfig,
  kernels: Kernels,
  shape: { batch: number; seq: number; steps: number; warmup?: number; seed?: number; lora?: LoraConfig; threads?: number },
): TrainingTiming {
  const seed = shape.seed ?? 0;
  const warmup = shape.warmup ?? 1;
  if (warmup < 1) throw new RangeError('timeTraining needs at least one warm-up step');
  const model = LlamaModel.init(config, kernels, seed);
  const rng = Rng.derive(seed, 'timing-data');
  const examples: ClmExample[] = Array.from({ length: shape.batch }, () => ({
    ids: Array.from({ length: shape.seq }, () => rng.int(config.vocab_size)),
    promptLength: 0,
    weight: 1,
  }));
  let start = 0;
  let tokens = 0;
  const result = train(model, examples, {
    learningRate: 1e-4,
    batchSize: shape.batch,
    maxSteps: warmup + shape.steps,
    seed,
    ...(shape.lora ? { lora: shape.lora } : {}),
    ...(shape.threads ? { threads: shape.threads } : {}),
    onStep: (info) => {
      if (info.step === warmup) start = performance.now();
      else if (info.step > warmup) tokens += info.tokens;
    },
  });
  const seconds = (performance.now() - start) / 1000;
  return { steps: shape.steps, seconds, tokensPerSecond: tokens / seconds, memoryBytes: result.memoryBytes };
}
