// The interface the pipeline talks to for text generation (ARCHITECTURE.md: backends/). A Generator turns one
// prompt and its decoding parameters into one output. The OpenAI-compatible HTTP backend, the built-in engine and
// node-llama-cpp implement it. Backends that run batches (the engine, llama.cpp) gather the
// calls that are in flight together into one batch, which is why callers keep `concurrency` calls going at once.
// The Trainer interface is the other verb: SFT rows in, a fine-tuned model out.
import type { SftRow } from '../core/types.js';
import type { LoraConfig } from '../engine/lora.js';
import type { Schedule } from '../engine/train.js';

/** The backend names, in the order `--help` lists them. */
export const BACKEND_NAMES = ['openai', 'llamacpp', 'builtin', 'hf'] as const;
/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The API key is read from this variable unless another is named. */
export const DEFAULT_API_KEY_ENV = 'OPENAI_API_KEY';

/** Decoding parameters of one request. Together with the backend, model and prompt they key the request store. */
export interface Decoding {
  /** 0 is greedy decoding (the default). */
  temperature: number;
  maxTokens: number;
  /** Strings that end the output; they are not part of it. */
  stop: string[];
  /** Nucleus sampling; absent means the backend's default (no truncation). */
  topP?: number;
  /** Sampling seed, for backends that honour one. */
  seed?: number;
}

/**
 * The decoding `w2s label` uses unless told otherwise: greedy, as the paper's evaluation is; 128 tokens are enough for
 * the App. B answers ("choose an answer ... and provide a brief explanation"); "###" ends the answer before a base
 * model starts a new "### Instruction:" block of its own.
 */
export const DEFAULT_DECODING: Readonly<Decoding> = Object.freeze({ temperature: 0, maxTokens: 128, stop: ['###'] });

/**
 * Why a request failed: `http-<status>` for an HTTP status, `timeout` (no complete answer within the per-request
 * timeout), `connection` (refused, reset or closed mid-answer), `bad-response` (not JSON, truncated, the wrong shape,
 * no choices), `engine` (a local backend, the built-in engine or llama.cpp, refused or failed the request: a prompt
 * longer than the model's context, say), `aborted` (the caller stopped the run; never stored as a failure).
 */
export type FailureReason = `http-${number}` | 'timeout' | 'connection' | 'bad-response' | 'engine' | 'aborted';

/** The result of one generation: the output, or why there is none. Either way, with the attempts it took. */
export type Generation =
  | {
      ok: true;
      output: string;
      /** The backend's finish reason (`stop`, `length`, ...), when it gave one. */
      finishReason: string | null;
      /** Why each earlier attempt failed and was retried (empty when the first attempt answered). */
      retries: FailureReason[];
    }
  | {
      ok: false;
      reason: FailureReason;
      /** One line that says what happened; never holds a secret. */
      message: string;
      retries: FailureReason[];
      /** Retrying later would not help and no other request will fare better (a refused key, an unknown model). */
      fatal: boolean;
    };

/** A {@link Generation} that failed. */
export type GenerationFailure = Extract<Generation, { ok: false }>;

/** A failure with no retries behind it: generators that run the model themselves (here, in a sidecar, in llama.cpp). */
export function localFailure(reason: 'engine' | 'aborted', message: string, fatal = false): GenerationFailure {
  return { ok: false, reason, message, retries: [], fatal };
}

/** One generated output with what an OpenAI-style response reports about it. */
export interface Completion {
  /** The output, cut before the first stop string. */
  text: string;
  /** `stop`: the end-of-sequence token or a stop string ended it; `length`: the token limit did. */
  finishReason: 'stop' | 'length';
  promptTokens: number;
  /** Tokens generated (up to and including the one that completed a stop string). */
  completionTokens: number;
}

/** A completion with its token counts, or why there is none. */
export type CompletionResult = { ok: true; completion: Completion } | GenerationFailure;

/** The Generation a completion result answers. */
export function generationOf(result: CompletionResult): Generation {
  if (!result.ok) return result;
  return { ok: true, output: result.completion.text, finishReason: result.completion.finishReason, retries: [] };
}

/** What, besides prompt and decoding, decides a generator's outputs; it is part of every store key. */
export interface GeneratorIdentity {
  /** `openai`, `builtin`, `llamacpp`. */
  backend: string;
  model: string;
  /** The backend's way of asking when it has several with different outputs (`completions` or `chat`). */
  api?: string;
}

/** Prompts in, outputs out. */
export interface Generator {
  readonly identity: GeneratorIdentity;
  /** How many `generate` calls a caller should keep in flight to use the backend fully. */
  readonly concurrency: number;
  /** Generate one output; resolves (never rejects) with the output or the failure. `signal` stops it early. */
  generate(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<Generation>;
  /** Release connections, models and workers. */
  close(): Promise<void>;
}

/** Whether `value` is a Generator object rather than a backend's configuration. */
export function isGenerator(value: object): value is Generator {
  return typeof (value as Partial<Generator>).generate === 'function' && typeof (value as Partial<Generator>).close === 'function';
}

/**
 * A Generator that also answers many prompts in one call, in order (bulk use: test evaluation, a run's labels). The
 * engines that run the models themselves (built-in, Hugging Face sidecar) are both; `w2s run` talks to them through it.
 */
export interface BulkGenerator extends Generator {
  /** Completions of all prompts, in order; a prompt that fails is an error. */
  generateAll(prompts: readonly string[], decoding: Decoding & { batchSize?: number }): Promise<Completion[]>;
}

/** Generation without the backend named: what the pipeline hands to code that only needs outputs (paraphrasing). */
export type Complete = (prompt: string, decoding: Decoding, signal?: AbortSignal) => Promise<Generation>;

/** A model as folders (or hub names): a Hugging Face checkpoint and, for LoRA-trained models, a PEFT adapter on top. */
export interface ModelRef {
  checkpoint: string;
  adapter?: string;
}

/** Supervised fine-tuning settings (docs/method.md App. C defaults: PAPER_SFT in hf/presets.ts and the suite configs). */
export interface SftSettings {
  learningRate: number;
  /** Examples per optimizer step: the B of Eq. 5. */
  batchSize: number;
  microBatchSize?: number;
  epochs?: number;
  maxSteps?: number;
  schedule?: Schedule;
  warmupSteps?: number;
  /** LoRA settings; null = full fine-tuning. */
  lora: LoraConfig | null;
  seed: number;
}

/** What a fine-tuning run produced: the model, its steps and its first and last loss. */
export interface SftOutcome {
  /** Where the trained model is. */
  model: ModelRef;
  steps: number;
  firstLoss: number;
  lastLoss: number;
  seconds: number;
}

/** Where a training run is, after each optimizer step. */
export interface TrainProgress {
  /** Optimizer steps done (1-based). */
  step: number;
  totalSteps: number;
  /** The step's batch loss (Eq. 5). */
  loss: number;
  learningRate: number;
}

/** SFT rows in, a fine-tuned model out: the built-in engine or the Hugging Face sidecar. */
/** How a training run reports its steps and is stopped. */
export interface TrainControl {
  onStep?: (p: TrainProgress) => void;
  signal?: AbortSignal;
}

export interface Trainer {
  /** `builtin` or `hf`. */
  readonly engine: string;
  /**
   * Fine-tune `base` on the rows (docs/method.md Eq. 1 and 5) into `outDir`: a PEFT adapter folder for LoRA, a full
   * checkpoint otherwise. `signal` stops the run; nothing is left half-written in `outDir`.
   */
  train(
    base: ModelRef,
    rows: readonly SftRow[],
    settings: SftSettings,
    outDir: string,
    options?: TrainControl,
  ): Promise<SftOutcome>;
}
