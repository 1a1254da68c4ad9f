// Local GGUF models through node-llama-cpp (llama.cpp's Node binding): a Generator whose calls run side by side as
// the sequences of one llama.cpp context, which node-llama-cpp evaluates together in one batch per step.
import { existsSync, statSync } from 'node:fs';
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { byteLevelDecoder } from '../engine/tokenizers/byte-level-decode.js';
import { badInput, W2sError, EXIT_FAILURE } from '../errors.js';
import { orderFirstSampleAfterDecode } from './llamacpp-sample-order.js';
import { firstStop } from './stops.js';
import { localFailure, type Decoding, type Generation, type Generator, type GeneratorIdentity } from './types.js';

export interface LlamaCppOptions {
  /** The .gguf file. */
  modelPath: string;
  /** Sequences decoded together: the most calls that run at once (more wait for a free sequence). */
  concurrency: number;
  /** Tokens each sequence holds, prompt and output together; default the model's training context, at most 4096. */
  contextSize?: number;
  /** `auto` uses a GPU when llama.cpp finds one; `false` keeps to the CPU. Default `auto`. */
  gpu?: 'auto' | false;
  /**
   * Storage of the key/value cache: F16 (llama.cpp's default, half the memory) or F32 (the same precision as the
   * built-in engine, for bit-level comparisons). Default F16.
   */
  kvCache?: 'F16' | 'F32';
  /**
   * CPU threads of each evaluation; default all cores. llama.cpp's threads wait for each other by spinning, so on a
   * machine whose cores are busy with other work fewer threads can be much faster.
   */
  threads?: number;
}

/** The largest default context: prompts of the paper's tasks fit, and the cache of many sequences stays small. */
const DEFAULT_MAX_CONTEXT = 4096;

let llamaInstance: Promise<Llama> | undefined;
let llamaGpu: LlamaCppOptions['gpu'];

/** One llama.cpp runtime per process: node-llama-cpp loads its native binding once. */
function runtime(gpu: 'auto' | false): Promise<Llama> {
  if (llamaInstance && llamaGpu === gpu) return llamaInstance;
  llamaGpu = gpu;
  // `build: never`: use the prebuilt binary that came with the package; never download or compile llama.cpp.
  llamaInstance = getLlama({ gpu, build: 'never', skipDownload: true, logLevel: LlamaLogLevel.error, progressLogs: false }).catch((error: unknown) => {
    llamaInstance = undefined;
    throw new W2sError(`node-llama-cpp could not load its llama.cpp binary: ${error instanceof Error ? error.message : String(error)}`, {}, EXIT_FAILURE);
  });
  return llamaInstance;
}

/** Generation with a GGUF model; open one with {@link LlamaCppGenerator.open}. */
export class LlamaCppGenerator implements Generator {
  readonly identity: GeneratorIdentity;
  readonly concurrency: number;
  /** Tokens each sequence holds. */
  readonly contextSize: number;
  private readonly free: LlamaContextSequence[];
  private readonly waiting: ((sequence: LlamaContextSequence) => void)[] = [];
  private readonly decodeIds: (ids: readonly Token[]) => string;

  private constructor(
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    name: string,
  ) {
    this.identity = { backend: 'llamacpp', model: name };
    this.concurrency = context.totalSequences;
    this.contextSize = context.contextSize;
    this.free = Array.from({ length: context.totalSequences }, () => context.getSequence());
    this.decodeIds = textDecoder(model);
  }

  /** Loads the model and makes a context of `concurrency` sequences. A missing or unreadable file is bad input. */
  static async open(options: LlamaCppOptions): Promise<LlamaCppGenerator> {
    const file = options.modelPath;
    if (!existsSync(file) || !statSync(file).isFile()) throw badInput('no such GGUF file', { file });
    const llama = await runtime(options.gpu ?? 'auto');
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: file });
    } catch (error) {
      throw badInput(`llama.cpp cannot load this model: ${error instanceof Error ? error.message : String(error)}`, { file });
    }
    const contextSize = options.contextSize ?? Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT);
    const kv = options.kvCache ?? 'F16';
    let context: LlamaContext;
    try {
      context = await model.createContext({
        sequences: options.concurrency,
        contextSize,
        experimentalKvCacheKeyType: kv,
        experimentalKvCacheValueType: kv,
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
      });
    } catch (error) {
      await model.dispose();
      throw new W2sError(`llama.cpp cannot make a context of ${options.concurrency} x ${contextSize} tokens: ${error instanceof Error ? error.message : String(error)}`, { file }, EXIT_FAILURE);
    }
    try {
      orderFirstSampleAfterDecode(context);
    } catch (error) {
      await context.dispose();
      await model.dispose();
      throw error;
    }
    return new LlamaCppGenerator(model, context, file);
  }

  /** Token ids of a prompt as llama.cpp reads it: its tokenizer, with bos first when the model asks for it. */
  promptTokens(prompt: string): Token[] {
    const ids = this.model.tokenize(prompt, false);
    const bos = this.model.tokens.bos;
    return this.model.tokens.shouldPrependBosToken && bos !== null ? [bos, ...ids] : ids;
  }

  async generate(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<Generation> {
    const result = await this.run(prompt, decoding, signal);
    if (!result.ok) return result;
    return { ok: true, output: result.text, finishReason: result.finishReason, retries: [] };
  }

  /**
   * {@link generate} with the token ids llama.cpp wrote (the last one may reach past a stop string the text is cut at),
   * and whether it ended on an end-of-generation token: for comparing its choices with another engine's token by token.
   */
  async generateTokens(
    prompt: string,
    decoding: Decoding,
  ): Promise<Extract<Generation, { ok: false }> | { ok: true; output: string; tokens: number[]; endedOnEos: boolean }> {
    const result = await this.run(prompt, decoding);
    if (!result.ok) return result;
    return { ok: true, output: result.text, tokens: [...result.tokens], endedOnEos: result.endedOnEos };
  }

  /** One generation on a free sequence: the text before any stop string, and why it ended. */
  private async run(
    prompt: string,
    decoding: Decoding,
    signal?: AbortSignal,
  ): Promise<Extract<Generation, { ok: false }> | { ok: true; text: string; finishReason: 'stop' | 'length'; tokens: Token[]; endedOnEos: boolean }> {
    const promptTokens = this.promptTokens(prompt);
    if (promptTokens.length >= this.contextSize) return localFailure('engine', `the prompt has ${promptTokens.length} tokens; the context holds ${this.contextSize}`);
    // Never past the context: llama.cpp would shift it, dropping the start of the prompt.
    const limit = Math.min(decoding.maxTokens, this.contextSize - promptTokens.length);
    const sequence = await this.acquire(signal);
    if (sequence === null) return localFailure('aborted', 'stopped');
    const tokens: Token[] = [];
    let text = '';
    let finishReason: 'stop' | 'length' = 'length';
    let ended = false;
    try {
      if (limit > 0) {
        // node-llama-cpp truncates to the top 40 tokens and top_p 0.95 unless told otherwise; a request without top_p
        // samples from the whole softmax(logits / temperature), as the engine and OpenAI do. (With top_p, llama.cpp
        // truncates before it applies the temperature, the engine after.)
        const evaluation = sequence.evaluate(promptTokens, {
          temperature: decoding.temperature,
          topK: 0,
          topP: decoding.topP ?? 1,
          minP: 0,
          seed: decoding.seed ?? 0,
        });
        ended = true;
        for await (const token of evaluation) {
          if (signal?.aborted) return localFailure('aborted', 'stopped');
          tokens.push(token);
          text = this.decodeIds(tokens);
          const cut = firstStop(text, decoding.stop);
          if (cut >= 0) {
            text = text.slice(0, cut);
            finishReason = 'stop';
            ended = false;
            break;
          }
          if (tokens.length >= limit) {
            ended = false;
            break;
          }
        }
        // The evaluation ends by itself only on an end-of-generation token (not yielded).
        if (ended) finishReason = 'stop';
      }
      return { ok: true, text, finishReason, tokens, endedOnEos: ended };
    } catch (error) {
      return localFailure('engine', `llama.cpp failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await sequence.clearHistory();
      this.release(sequence);
    }
  }

  async close(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }

  private acquire(signal?: AbortSignal): Promise<LlamaContextSequence | null> {
    const sequence = this.free.pop();
    if (sequence) return Promise.resolve(sequence);
    if (signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(null);
      };
      const grant = (s: LlamaContextSequence): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(s);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(sequence: LlamaContextSequence): void {
    const next = this.waiting.shift();
    if (next) next(sequence);
    else this.free.push(sequence);
  }
}

/**
 * The text of output tokens. Byte-level BPE vocabularies (`tokenizer.ggml.model` "gpt2") are decoded as their
 * Hugging Face tokenizer decodes them (see byte-level-decode.ts), so outputs match the built-in engine's for the same
 * tokens; llama.cpp's own detokenizer would also drop the space before ".", ",", "!" and "?". Other vocabularies use
 * llama.cpp's detokenizer.
 */
function textDecoder(model: LlamaModel): (ids: readonly Token[]) => string {
  const ggml = (model.fileInfo.metadata as { tokenizer?: { ggml?: { model?: unknown; tokens?: unknown } } }).tokenizer?.ggml;
  if (ggml?.model === 'gpt2' && Array.isArray(ggml.tokens) && ggml.tokens.every((t) => typeof t === 'string')) {
    return byteLevelDecoder(ggml.tokens as string[]) as (ids: readonly Token[]) => string;
  }
  return (ids) => model.detokenize(ids, false);
}
