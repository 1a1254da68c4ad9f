// Generation with a Hugging Face model: one long-lived `python -m w2s_hf generate` process per model; requests go to its
// stdin with an id, answers come back by id in any order, and the sidecar batches the requests that are waiting.
import { EXIT_FAILURE, W2sError } from '../../errors.js';
import { generationOf, localFailure, type BulkGenerator, type Completion, type CompletionResult, type Decoding, type Generation, type GenerationFailure, type GeneratorIdentity } from '../types.js';
import { isChatPreset, resolveModelName } from './presets.js';
import { checkHfEnvironment, pythonCommand, sidecarEnv } from './python.js';
import { expectMessage, generateAnswer, generateEvent, type GenerateAnswer, type ReadyEvent } from './protocol.js';
import { Sidecar, type SidecarSpec } from './sidecar.js';
import type { Precision } from './train-request.js';
import { modelLocation } from './trainer.js';

/** The sidecar's default batch size. */
export const DEFAULT_HF_BATCH_SIZE = 32;

export interface HfGeneratorOptions {
  /** A checkpoint folder, a hub id or a preset name (llama2-7b, ...). */
  model: string;
  /** A PEFT adapter folder on top of the model. */
  adapter?: string;
  /** Requests the sidecar runs in one batch; callers should keep this many in flight (default 32). */
  batchSize?: number;
  precision?: Precision;
  /** Render prompts as one user turn with the tokenizer's chat template (default: on for instruct presets only). */
  chatTemplate?: boolean;
  python?: string;
  /** Variables added to the sidecar's environment. */
  env?: NodeJS.ProcessEnv;
  /** Where the sidecar's stderr lines go (default: our stderr, prefixed). */
  stderr?: (line: string) => void;
}


type Route = (answer: GenerateAnswer) => void;

interface Pending {
  route: Route;
  /** Fails the request when the process is gone. */
  fail: (message: string) => void;
}

/** A model served by the Hugging Face sidecar, as a Generator. */
export class HfGenerator implements BulkGenerator {
  readonly identity: GeneratorIdentity;
  readonly concurrency: number;
  private readonly pending = new Map<string, Pending>();
  /** Requests the sidecar still works on though no one waits for them any more (their callers stopped). */
  private readonly abandoned = new Set<string>();
  private nextId = 0;
  private dead: string | null = null;
  private closing: Promise<void> | undefined;
  private readonly sidecar: Sidecar;
  private readonly loaded: Promise<ReadyEvent>;
  private readyEvent: ReadyEvent | null = null;

  private constructor(spec: Omit<SidecarSpec, 'onMessage' | 'name'>, identity: GeneratorIdentity, concurrency: number) {
    this.identity = identity;
    this.concurrency = concurrency;
    let onReady: (event: ReadyEvent) => void = () => undefined;
    const ready = new Promise<ReadyEvent>((resolve) => (onReady = resolve));
    this.sidecar = Sidecar.start({ ...spec, name: 'the Hugging Face sidecar (generate)', onMessage: (message) => this.receive(message, onReady) });
    const exitedEarly = this.sidecar.exited.then(() => {
      throw new W2sError('the Hugging Face sidecar (generate) exited before it had loaded the model', {}, EXIT_FAILURE);
    });
    // Once the model is ready, the exit belongs to processGone, not to this race.
    exitedEarly.catch(() => undefined);
    this.loaded = Promise.race([ready, exitedEarly]);
    this.sidecar.exited.then(
      () => this.processGone('the Hugging Face sidecar (generate) exited'),
      (error: unknown) => this.processGone(error instanceof Error ? error.message : String(error)),
    );
  }

  /** Starts the sidecar and waits until it has loaded the model; a model that cannot be loaded rejects here. */
  static async open(options: HfGeneratorOptions): Promise<HfGenerator> {
    const batchSize = options.batchSize ?? DEFAULT_HF_BATCH_SIZE;
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    await checkHfEnvironment(options.python);
    const args = ['-m', 'w2s_hf', 'generate', '--model', modelLocation(options.model), '--batch-size', String(batchSize), '--precision', options.precision ?? 'auto'];
    if (options.adapter !== undefined) args.push('--adapter', modelLocation(options.adapter));
    const chat = options.chatTemplate ?? isChatPreset(options.model);
    if (chat) args.push('--chat-template');
    const name = resolveModelName(options.model);
    const generator = new HfGenerator(
      { command: pythonCommand(options.python), args, env: sidecarEnv(process.env, options.env), ...(options.stderr ? { stderr: options.stderr } : {}) },
      // The rendering changes the outputs, so it is part of the identity (and of the request store's keys).
      { backend: 'hf', model: options.adapter === undefined ? name : `${name}+${options.adapter}`, ...(chat ? { api: 'chat' } : {}) },
      batchSize,
    );
    try {
      generator.readyEvent = await generator.loaded;
    } catch (error) {
      generator.sidecar.terminate();
      throw error;
    }
    return generator;
  }

  /** What the sidecar reported once the model was loaded: device, precision, context. */
  get ready(): ReadyEvent {
    return this.readyEvent!;
  }

  async generate(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<Generation> {
    return generationOf(await this.complete(prompt, decoding, signal));
  }

  /** {@link generate} with token counts and the finish reason. */
  complete(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<CompletionResult> {
    const request = {
      prompt,
      max_tokens: decoding.maxTokens,
      temperature: decoding.temperature,
      top_p: decoding.topP ?? null,
      stop: decoding.stop,
      seed: decoding.seed ?? 0,
    };
    return this.request(request, signal, (answer) => {
      if ('output' in answer) {
        return {
          ok: true,
          completion: { text: answer.output, finishReason: answer.finish_reason, promptTokens: answer.prompt_tokens, completionTokens: answer.completion_tokens },
        };
      }
      if ('error' in answer) return localFailure('engine', answer.error, false);
      throw new Error(`w2s_hf generate answered a generation request with log-probabilities (id ${answer.id})`);
    });
  }

  /** Completions of all prompts, in order; a request that fails is an error (bulk use: evaluation, labelling). */
  async generateAll(prompts: readonly string[], decoding: Decoding): Promise<Completion[]> {
    const results = await Promise.all(prompts.map((p) => this.complete(p, decoding)));
    return results.map((r, i) => {
      if (r.ok) return r.completion;
      throw new W2sError(`generation failed for prompt ${i}: ${r.message}`, {}, EXIT_FAILURE);
    });
  }

  /**
   * log p(completion | prompt) for each completion: the sum over its tokens (no eos) given `[bos] + prompt`, as the
   * sidecar computes it; for scoring answer options.
   */
  async logLikelihoods(prompt: string, completions: readonly string[]): Promise<number[]> {
    const result = await this.request({ prompt, completions: [...completions] }, undefined, (answer): { ok: true; logprobs: number[] } | GenerationFailure => {
      if ('logprobs' in answer) {
        if (answer.logprobs.length !== completions.length) {
          throw new Error(`w2s_hf generate returned ${answer.logprobs.length} log-probabilities for ${completions.length} completions`);
        }
        return { ok: true, logprobs: answer.logprobs };
      }
      if ('error' in answer) return localFailure('engine', answer.error, false);
      throw new Error(`w2s_hf generate answered a log-likelihood request with a generation (id ${answer.id})`);
    });
    if (!result.ok) throw new W2sError(`log-likelihood scoring failed: ${result.message}`, {}, EXIT_FAILURE);
    return result.logprobs;
  }

  /**
   * Ends the sidecar's input and waits for it to exit. Requests still waiting are answered first; requests no one
   * waits for any more are not finished (the process is stopped). Never rejects: a failure has reached the requests.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.sidecar.endInput();
      if (this.abandoned.size > 0 && this.pending.size === 0) this.sidecar.terminate();
      await this.sidecar.exited.catch(() => undefined);
    })();
    return this.closing;
  }

  /** Sends one request and resolves with its answer as `read` makes it; never rejects for the sidecar's sake. */
  private request<T>(body: Record<string, unknown>, signal: AbortSignal | undefined, read: (answer: GenerateAnswer) => T | GenerationFailure): Promise<T | GenerationFailure> {
    if (this.dead !== null) return Promise.resolve(localFailure('engine', this.dead, true));
    if (this.closing !== undefined) return Promise.resolve(localFailure('engine', 'the generator is closed', false));
    if (signal?.aborted) return Promise.resolve(localFailure('aborted', 'stopped', false));
    const id = String(this.nextId++);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        if (!this.pending.delete(id)) return;
        this.abandoned.add(id);
        resolve(localFailure('aborted', 'stopped', false));
      };
      const settle = (value: T | GenerationFailure): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      this.pending.set(id, {
        route: (answer) => settle(read(answer)),
        fail: (message) => settle(localFailure('engine', message, true)),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sidecar.send({ id, ...body });
    });
  }

  /** A stdout message: the ready event, an answer, or (at the end of a failure) the error event. */
  private receive(message: Record<string, unknown>, onReady: (event: ReadyEvent) => void): void {
    if ('event' in message) {
      const event = expectMessage(generateEvent, message, 'w2s_hf generate');
      if (event.event === 'ready') onReady(event);
      return;
    }
    if (this.readyEvent === null) throw new Error(`w2s_hf generate answered before it was ready: ${JSON.stringify(message)}`);
    this.route(expectMessage(generateAnswer, message, 'w2s_hf generate'));
  }

  /** Hands an answer to its request; answers to abandoned requests are dropped. A throw here stops the sidecar. */
  private route(answer: GenerateAnswer): void {
    if (answer.id === null) throw new Error(`w2s_hf generate could not read a request: ${'error' in answer ? answer.error : ''}`);
    const pending = this.pending.get(answer.id);
    if (pending === undefined) {
      if (this.abandoned.delete(answer.id)) return;
      throw new Error(`w2s_hf generate answered an unknown request id ${JSON.stringify(answer.id)}`);
    }
    this.pending.delete(answer.id);
    try {
      pending.route(answer);
    } catch (error) {
      pending.fail(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /** The process ended: every request still waiting fails with the reason, as does every later one. */
  private processGone(message: string): void {
    this.dead = this.closing !== undefined && this.pending.size === 0 ? 'the generator is closed' : message;
    for (const pending of this.pending.values()) pending.fail(message);
    this.pending.clear();
    this.abandoned.clear();
  }
}
