// The built-in engine behind the pipeline's two verbs: train a model on SFT rows, and generate from prompts.
// Models travel as Hugging Face folders (a checkpoint, plus a PEFT adapter folder for LoRA), so every step can run
// in another thread or process, and another engine can read what this one wrote.
import { loadCheckpoint, saveCheckpoint } from '../engine/formats/checkpoint.js';
import { generate } from '../engine/generate.js';
import { getKernels } from '../engine/kernels/index.js';
import { LoraAdapter } from '../engine/lora.js';
import { LlamaModel } from '../engine/model.js';
import { loadAdapter, saveAdapter } from '../engine/formats/peft.js';
import { promptIds, sftExamples } from '../engine/sft-encoding.js';
import type { HfTokenizer } from '../engine/tokenizers/tokenizer.js';
import { train, type StepInfo } from '../engine/train.js';
import { badInput } from '../errors.js';
import type { SftRow } from '../core/types.js';
import { byteLevelDecoder } from '../engine/tokenizers/byte-level-decode.js';
import { firstStop } from './stops.js';
import type { Completion, Decoding, ModelRef, SftOutcome, SftSettings } from './types.js';

export type { Completion } from './types.js';

// The encoding is the engine's; callers of this module have always found it here.
export { promptIds, sftExamples } from '../engine/sft-encoding.js';

export type { ModelRef, SftOutcome, SftSettings } from './types.js';

/** A Generator's decoding (temperature 0 = greedy), plus how many prompts the engine runs in one batch. */
export interface EngineDecoding extends Decoding {
  /** Prompts per batch (default 32). */
  batchSize?: number;
}


/** A loaded model with its tokenizer. */
export interface LoadedModel {
  model: LlamaModel;
  tokenizer: HfTokenizer;
}

/** Load a checkpoint (and its adapter) with the fastest kernels available. */
export function loadModel(ref: ModelRef): LoadedModel {
  const ckpt = loadCheckpoint(ref.checkpoint);
  if (ckpt.tokenizer === null) throw badInput('the checkpoint has no tokenizer.json', { file: ref.checkpoint });
  const model = LlamaModel.fromTensors(ckpt.config, ckpt.params, getKernels(), ref.checkpoint);
  if (ref.adapter !== undefined) {
    const peft = loadAdapter(ref.adapter, ckpt.config);
    const adapter = new LoraAdapter(ckpt.config, peft.config);
    adapter.load(peft.params, ref.adapter);
    model.attachLora(adapter);
  }
  return { model, tokenizer: ckpt.tokenizer };
}

/**
 * Fine-tune `base` on SFT rows (docs/method.md Eq. 1 and 5) and write the result to `outDir`: a PEFT adapter folder for
 * LoRA, a full checkpoint otherwise.
 */
export async function trainSft(
  base: ModelRef,
  rows: readonly SftRow[],
  settings: SftSettings,
  outDir: string,
  options: { onStep?: (info: StepInfo) => void } = {},
): Promise<SftOutcome> {
  const start = performance.now();
  const { model, tokenizer } = loadModel(base);
  const examples = await sftExamples(tokenizer, rows);
  const result = train(model, examples, {
    learningRate: settings.learningRate,
    batchSize: settings.batchSize,
    microBatchSize: settings.microBatchSize,
    epochs: settings.epochs,
    maxSteps: settings.maxSteps,
    schedule: settings.schedule,
    warmupSteps: settings.warmupSteps,
    seed: settings.seed,
    padTokenId: tokenizer.padId ?? 0,
    ...(settings.lora ? { lora: settings.lora } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
  let ref: ModelRef;
  if (result.adapter) {
    saveAdapter(outDir, { config: result.adapter.config, baseModel: base.checkpoint, params: result.adapter.tensors() }, model.config);
    ref = { checkpoint: base.checkpoint, adapter: outDir };
  } else {
    saveCheckpoint(outDir, model.config, model.tensors(), tokenizer);
    ref = { checkpoint: outDir };
  }
  return {
    model: ref,
    steps: result.steps,
    firstLoss: result.losses[0] ?? NaN,
    lastLoss: result.losses[result.losses.length - 1] ?? NaN,
    seconds: (performance.now() - start) / 1000,
  };
}

/** Generate a completion for every prompt (greedy when temperature is 0), cut at the first stop string. */
export async function generateTexts(ref: ModelRef | LoadedModel, prompts: readonly string[], decoding: EngineDecoding): Promise<string[]> {
  const loaded = 'model' in ref ? ref : loadModel(ref);
  const completions = await completeIds(loaded, await promptIds(loaded.tokenizer, prompts), decoding);
  return completions.map((c) => c.text);
}

/**
 * Completions of prompts given as token ids (bos included, see {@link promptIds}). A sequence never runs past the
 * model's context (max_position_embeddings): each prompt gets min(maxTokens, context - its length) new tokens, and a
 * prompt that fills the context is bad input. Generation stops early at a stop string when the tokenizer is byte-level
 * BPE (its text is known token by token); otherwise the output is cut after generating.
 */
export async function completeIds(
  loaded: LoadedModel,
  ids: readonly (readonly number[])[],
  decoding: EngineDecoding,
  stopped?: () => boolean,
): Promise<Completion[]> {
  const { model, tokenizer } = loaded;
  const context = model.config.max_position_embeddings;
  const groups = new Map<number, number[]>();
  ids.forEach((prompt, i) => {
    if (prompt.length >= context) {
      throw badInput(`the prompt has ${prompt.length} tokens; the model's context holds ${context}`, { field: `prompts[${i}]` });
    }
    const limit = Math.min(decoding.maxTokens, context - prompt.length);
    groups.set(limit, [...(groups.get(limit) ?? []), i]);
  });
  const stops = decoding.stop.filter((s) => s !== '');
  const decode = stops.length > 0 ? syncDecoder(tokenizer) : null;
  const results = new Array<Completion>(ids.length);
  for (const [limit, members] of groups) {
    const generations = generate(
      model,
      members.map((i) => ids[i]!),
      {
        maxNewTokens: limit,
        temperature: decoding.temperature,
        ...(decoding.topP !== undefined ? { topP: decoding.topP } : {}),
        seed: decoding.seed ?? 0,
        batchSize: decoding.batchSize ?? 32,
        padTokenId: tokenizer.padId ?? 0,
        ...(tokenizer.eosId !== null ? { eosTokenIds: [tokenizer.eosId] } : {}),
        ...(decode ? { stopStrings: stops, decode } : {}),
        ...(stopped ? { stopped } : {}),
      },
    );
    const texts = await Promise.all(generations.map((g) => tokenizer.decode(g.tokens)));
    members.forEach((i, k) => {
      const g = generations[k]!;
      const cut = firstStop(texts[k]!, stops);
      results[i] = {
        text: cut >= 0 ? texts[k]!.slice(0, cut) : texts[k]!,
        finishReason: g.finishReason === 'length' && cut < 0 ? 'length' : 'stop',
        promptTokens: ids[i]!.length,
        completionTokens: g.tokens.length,
      };
    });
  }
  return results;
}

const syncDecoders = new WeakMap<HfTokenizer, ((ids: number[]) => string) | null>();

/** A synchronous decoder for byte-level BPE tokenizers (what the engine's stop-string check needs), else null. */
function syncDecoder(tokenizer: HfTokenizer): ((ids: number[]) => string) | null {
  if (!syncDecoders.has(tokenizer)) {
    const decoderType = (JSON.parse(tokenizer.json) as { decoder?: { type?: string } | null }).decoder?.type;
    const tokens = Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.idToToken(id) ?? '');
    syncDecoders.set(tokenizer, decoderType === 'ByteLevel' ? byteLevelDecoder(tokens) : null);
  }
  return syncDecoders.get(tokenizer)!;
}
