// The built-in engine as a Generator: calls that arrive while the engine is busy (or in the same turn of the event
// loop) wait in a queue and run together as one batch, so `concurrency` callers keep the engine's batches full.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EXIT_FAILURE, W2sError } from '../errors.js';
import { completeIds, loadModel, promptIds, type EngineDecoding, type LoadedModel, type ModelRef } from './builtin.js';
import { generationOf, localFailure, type BulkGenerator, type Completion, type CompletionResult, type Decoding, type Generation, type GeneratorIdentity } from './types.js';

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
  resolve: (result: CompletionResult) => void;
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

  constructor(
    readonly loaded: LoadedModel,
    options: BuiltinGeneratorOptions,
  ) {
    if (!(Number.isInteger(options.concurrency) && options.concurrency > 0)) throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    this.identity = { backend: 'builtin', model: options.name };
    this.concurrency = options.concurrency;
  }

  /** Loads a checkpoint (and adapter); a bad folder is bad input. */
  static open(ref: ModelRef, options: BuiltinGeneratorOptions): BuiltinGenerator {
    return new BuiltinGenerator(loadModel(ref), options);
  }

  /** Batches run so far. */
  get batchesRun(): number {
    return this.batches;
  }

  /** The model's context: prompt and output tokens together. */
  get contextSize(): number {
    return this.loaded.model.config.max_position_embeddings;
  }

  async generate(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<Generation> {
    return generationOf(await this.complete(prompt, decoding, signal));
  }

  /** Completions of all prompts in order, `decoding.batchSize` (default 32) to a batch, apart from other calls. */
  async generateAll(prompts: readonly string[], decoding: EngineDecoding): Promise<Completion[]> {
    if (this.closed) throw new W2sError('the generator is closed', {}, EXIT_FAILURE);
    return completeIds(this.loaded, await promptIds(this.loaded.tokenizer, prompts), decoding);
  }

  /** {@link generate} with token counts and the finish reason. */
  async complete(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<CompletionResult> {
    if (this.closed) return localFailure('engine', 'the generator is closed');
    if (signal?.aborted) return localFailure('aborted', 'stopped');
    let ids: number[] | undefined;
    this.tokenizing++;
    try {
      [ids] = await promptIds(this.loaded.tokenizer, [prompt]);
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

  async close(): Promise<void> {
    this.closed = true;
    for (const item of this.pending.splice(0)) item.resolve(localFailure('engine', 'the generator was closed'));
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

  private async run(batch: Pending[]): Promise<void> {
    this.batches++;
    try {
      const completions = await completeIds(
        this.loaded,
        batch.map((b) => b.ids),
        { ...batch[0]!.decoding, batchSize: batch.length },
      );
      batch.forEach((b, i) => b.resolve({ ok: true, completion: completions[i]! }));
    } catch (error) {
      const message = error instanceof W2sError ? error.message : `the engine failed: ${error instanceof Error ? error.message : String(error)}`;
      for (const b of batch) b.resolve(localFailure('engine', message));
    }
  }
}

