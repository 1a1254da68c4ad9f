// The built-in engine as a Generator: calls that arrive while the engine is busy (or in the same turn of the event
// loop) wait in a queue and run together as one batch, so `concurrency` callers keep the engine's batches full.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EXIT_FAILURE, W2sError } from '../errors.js';
import type { HfTokenizer } from '../engine/tokenizers/tokenizer.js';
import { completeIds, loadModel, promptIds, type EngineDecoding, type LoadedModel, type ModelRef } from './builtin.js';
import { generateWorkerAvailable, WorkerGenerationEngine } from './builtin-generate-thread.js';
import { generationOf, localFailure, type BulkGenerator, type Completion, type CompletionResult, type Decoding, type Generation, type GeneratorIdentity } from './types.js';

/** How a BuiltinGenerator names its model and batches calls. */
export interface BuiltinGeneratorOptions {
  /** The model's name in the generator identity (and so in request-store keys). */
  name: string;
  /** Most calls run in one batch; callers should keep this many in flight. */
  concurrency: number;
}

/** A completion with its token counts, or why there is none. */

interface Pending {
  ids: number[];
  decoding: Decoding;
  key: string;
  signal: AbortSignal | undefined;
  resolve: (result: CompletionResult) => void;
}

/** Where batches run: in this thread, or in a worker thread that holds the weights (builtin-generate-thread.ts). */
export interface GenerationEngine {
  readonly tokenizer: HfTokenizer;
  /** The model's context: prompt and output tokens together. */
  readonly contextSize: number;
  /** Completions of token-id prompts; `signal` may stop a batch between tokens (then it rejects). */
  complete(ids: readonly (readonly number[])[], decoding: EngineDecoding, signal?: AbortSignal): Promise<Completion[]>;
  close(): Promise<void>;
}

/** Batches in this thread: nothing else runs in it meanwhile. */
class InThreadEngine implements GenerationEngine {
  constructor(private readonly loaded: LoadedModel) {}

  get tokenizer(): HfTokenizer {
    return this.loaded.tokenizer;
  }

  get contextSize(): number {
    return this.loaded.model.config.max_position_embeddings;
  }

  complete(ids: readonly (readonly number[])[], decoding: EngineDecoding): Promise<Completion[]> {
    return completeIds(this.loaded, ids, decoding);
  }

  async close(): Promise<void> {}
}

/** Calls with the same key can share a batch. */
function batchKey(decoding: Decoding, serial: number): string {
  // Sampled calls run alone: the engine seeds each prompt's stream by its place in the batch, and a request's output
  // must not depend on what it was batched with (the request store keys it by prompt and decoding only).
  if (decoding.temperature > 0) return `sampled:${serial}`;
  return JSON.stringify([decoding.maxTokens, decoding.stop]);
}

/** Generation with a model of the built-in engine, batched across concurrent calls. */
export class BuiltinGenerator implements BulkGenerator {
  readonly identity: GeneratorIdentity;
  readonly concurrency: number;
  private readonly pending: Pending[] = [];
  private running = false;
  private serial = 0;
  private closed = false;
  private batches = 0;
  /** Calls whose prompts are being tokenized (on the tokenizer's own threads), and a waiting drain to tell when one is done. */
  private tokenizing = 0;
  private tokenized: (() => void) | undefined;

  readonly engine: GenerationEngine;

  constructor(engine: GenerationEngine | LoadedModel, options: BuiltinGeneratorOptions) {
    this.engine = 'model' in engine ? new InThreadEngine(engine) : engine;
    if (!(Number.isInteger(options.concurrency) && options.concurrency > 0)) throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    this.identity = { backend: 'builtin', model: options.name };
    this.concurrency = options.concurrency;
  }

  /** Loads a checkpoint (and adapter); a bad folder is bad input. */
  static open(ref: ModelRef, options: BuiltinGeneratorOptions): BuiltinGenerator {
    return new BuiltinGenerator(loadModel(ref), options);
  }

  /**
   * {@link open} with the weights and the batches in a worker thread, so this thread stays free while a batch runs
   * (in this thread where the worker script is not compiled: the sources under a test runner).
   */
  static async openInWorker(ref: ModelRef, options: BuiltinGeneratorOptions): Promise<BuiltinGenerator> {
    if (!generateWorkerAvailable()) return BuiltinGenerator.open(ref, options);
    return new BuiltinGenerator(await WorkerGenerationEngine.open(ref), options);
  }

  get tokenizer(): HfTokenizer {
    return this.engine.tokenizer;
  }

  /** Batches run so far. */
  get batchesRun(): number {
    return this.batches;
  }

  /** The model's context: prompt and output tokens together. */
  get contextSize(): number {
    return this.engine.contextSize;
  }

  async generate(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<Generation> {
    return generationOf(await this.complete(prompt, decoding, signal));
  }

  /** Completions of all prompts in order, `decoding.batchSize` (default 32) to a batch, apart from other calls. */
  async generateAll(prompts: readonly string[], decoding: EngineDecoding): Promise<Completion[]> {
    if (this.closed) throw new W2sError('the generator is closed', {}, EXIT_FAILURE);
    return this.engine.complete(await promptIds(this.engine.tokenizer, prompts), decoding);
  }

  /** {@link generate} with token counts and the finish reason. */
  async complete(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<CompletionResult> {
    if (this.closed) return localFailure('engine', 'the generator is closed');
    if (signal?.aborted) return localFailure('aborted', 'stopped');
    let ids: number[] | undefined;
    this.tokenizing++;
    try {
      [ids] = await promptIds(this.engine.tokenizer, [prompt]);
    } finally {
      this.tokenizing--;
      // Wakes the drain after this call has joined the queue (or given up): the promise below runs its executor now.
      queueMicrotask(() => this.wakeDrain());
    }
    if (signal?.aborted) return localFailure('aborted', 'stopped');
    if (ids!.length >= this.contextSize) return localFailure('engine', `the prompt has ${ids!.length} tokens; the model's context holds ${this.contextSize}`);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const at = this.pending.indexOf(item);
        if (at < 0) return;
        this.pending.splice(at, 1);
        resolve(localFailure('aborted', 'stopped'));
      };
      const item: Pending = {
        ids: ids!,
        decoding,
        key: batchKey(decoding, this.serial++),
        signal,
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.push(item);
      void this.drain();
    });
  }

  /** Queued calls fail at once; a batch running in a worker thread is stopped. */
  async close(): Promise<void> {
    this.closed = true;
    for (const item of this.pending.splice(0)) item.resolve(localFailure('engine', 'the generator was closed'));
    await this.engine.close();
  }

  /** Runs batches until the queue is empty; one drain loop at a time. */
  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending.length > 0) {
        // Let the calls made in this turn of the event loop join the batch, and those still being tokenized while it
        // has room: concurrent calls then share batches however the tokenizer's threads finish.
        await nextTurn();
        while (this.tokenizing > 0 && this.pending.length < this.concurrency) await new Promise<void>((wake) => (this.tokenized = wake));
        // Calls may have been stopped, or the generator closed, meanwhile.
        const head = this.pending[0];
        if (head === undefined) break;
        const key = head.key;
        const batch: Pending[] = [];
        for (let i = 0; i < this.pending.length && batch.length < this.concurrency; ) {
          if (this.pending[i]!.key === key) batch.push(...this.pending.splice(i, 1));
          else i++;
        }
        await this.run(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private wakeDrain(): void {
    const wake = this.tokenized;
    this.tokenized = undefined;
    wake?.();
  }

  /**
   * A caller that stops while its batch runs gets its answer at once; when every caller of the batch has stopped, the
   * batch itself is stopped (between tokens, where the engine runs in a worker thread).
   */
  private async run(batch: Pending[]): Promise<void> {
    this.batches++;
    const stop = new AbortController();
    let waiting = batch.length;
    const listeners = batch.map((b) => {
      const onAbort = (): void => {
        b.resolve(localFailure('aborted', 'stopped'));
        if (--waiting === 0) stop.abort();
      };
      if (b.signal?.aborted) onAbort();
      else b.signal?.addEventListener('abort', onAbort, { once: true });
      return onAbort;
    });
    try {
      const completions = await this.engine.complete(
        batch.map((b) => b.ids),
        { ...batch[0]!.decoding, batchSize: batch.length },
        stop.signal,
      );
      batch.forEach((b, i) => b.resolve({ ok: true, completion: completions[i]! }));
    } catch (error) {
      if (stop.signal.aborted) return;
      const message = error instanceof W2sError ? error.message : `the engine failed: ${error instanceof Error ? error.message : String(error)}`;
      for (const b of batch) b.resolve(localFailure('engine', message));
    } finally {
      batch.forEach((b, i) => b.signal?.removeEventListener('abort', listeners[i]!));
    }
  }
}

