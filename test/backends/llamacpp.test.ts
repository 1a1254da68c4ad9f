import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { completeIds, loadModel, promptIds, type LoadedModel } from '../../src/backends/builtin.js';
import { LlamaCppGenerator } from '../../src/backends/llamacpp.js';
import type { Decoding } from '../../src/backends/types.js';
import { main } from '../../src/cli/main.js';
import { Rng } from '../../src/core/rng.js';
import { parseLlamaConfig } from '../../src/engine/config.js';
import { saveCheckpoint } from '../../src/engine/formats/checkpoint.js';
import { exportGguf } from '../../src/engine/formats/gguf-export.js';
import { largestGreedyGap } from '../../src/engine/generate.js';
import { getKernels } from '../../src/engine/kernels/index.js';
import { LlamaModel } from '../../src/engine/model.js';
import { buildClosedVocabularyTokenizer } from '../../src/engine/tokenizers/closed-vocabulary.js';
import { W2sError } from '../../src/errors.js';
import { PROMPTS, trainTinyLm } from '../engine/tiny-lm.js';

const GREEDY: Decoding = { temperature: 0, maxTokens: 24, stop: [] };
const ETHICS_VAL = 'fixtures/ethics/hf/commonsense/validation.jsonl';

let dir: string;
let checkpoint: string;
let gguf: string;
let loaded: LoadedModel;
let generator: LlamaCppGenerator;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-llamacpp-'));
  checkpoint = await trainTinyLm(dir);
  loaded = loadModel({ checkpoint });
  gguf = join(dir, 'tiny.gguf');
  exportGguf(checkpoint, gguf);
  // One thread: llama.cpp's threads spin while they wait for each other, which is slow on a busy machine.
  generator = await LlamaCppGenerator.open({ modelPath: gguf, concurrency: 4, gpu: false, threads: 1 });
});

afterAll(async () => {
  await generator?.close();
});

/** The engine's completion of one prompt. */
async function engine(prompt: string, decoding: Decoding): Promise<{ text: string; finishReason: string }> {
  const [c] = await completeIds(loaded, await promptIds(loaded.tokenizer, [prompt]), decoding);
  return { text: c!.text, finishReason: c!.finishReason };
}

describe('LlamaCppGenerator', () => {
  it('runs concurrent calls on the sequences of one context and answers each exactly as the built-in engine does', async () => {
    const decodings: Decoding[] = [GREEDY, { ...GREEDY, stop: ['six', 'blue'] }, { ...GREEDY, maxTokens: 3 }];
    const calls = PROMPTS.flatMap((prompt) => decodings.map((decoding) => ({ prompt, decoding })));
    const results = await Promise.all(calls.map((c) => generator.generate(c.prompt, c.decoding)));
    for (const [i, c] of calls.entries()) {
      const expected = await engine(c.prompt, c.decoding);
      expect(results[i], `${JSON.stringify(c.prompt)} ${JSON.stringify(c.decoding)}`).toEqual({ ok: true, output: expected.text, finishReason: expected.finishReason, retries: [] });
    }
    expect(results[0]).toMatchObject({ output: ' three four five six seven eight nine ten .', finishReason: 'stop' });
  });

  it("reads prompts with llama.cpp's tokenizer exactly as the engine does (bos first)", async () => {
    const ethics = readFileSync(ETHICS_VAL, 'utf8').split('\n')[0]!;
    for (const prompt of [...PROMPTS, ethics, 'naïve café ☃\n\ttabs  and  spaces']) {
      expect(generator.promptTokens(prompt)).toEqual((await promptIds(loaded.tokenizer, [prompt]))[0]);
    }
  });

  it('samples reproducibly: the same seed gives the same output', async () => {
    const sampled: Decoding = { temperature: 1.5, maxTokens: 12, stop: [], seed: 11 };
    const [a, b] = await Promise.all([generator.generate('red', sampled), generator.generate('red', sampled)]);
    expect(a).toEqual(b);
    const others = await Promise.all([1, 2, 3, 4, 5].map((seed) => generator.generate('red', { ...sampled, seed })));
    expect(new Set(others.map((r) => (r.ok ? r.output : ''))).size).toBeGreaterThan(1);
  });

  it('fails a prompt that does not fit the context instead of letting llama.cpp drop its start', async () => {
    expect(generator.contextSize).toBe(512);
    expect(await generator.generate('x'.repeat(600), GREEDY)).toEqual({
      ok: false,
      reason: 'engine',
      message: 'the prompt has 601 tokens; the context holds 512',
      retries: [],
      fatal: false,
    });
  });

  it('answers a call stopped while it waits for a free sequence as aborted', async () => {
    const stop = new AbortController();
    const busy = PROMPTS.slice(0, 4).map((p) => generator.generate(p, GREEDY));
    const waiting = generator.generate('cat', GREEDY, stop.signal);
    stop.abort();
    expect(await waiting).toMatchObject({ ok: false, reason: 'aborted' });
    expect((await Promise.all(busy)).every((r) => r.ok)).toBe(true);
  });

  it('refuses a missing file and a file that is not GGUF as bad input naming the file', async () => {
    await expect(LlamaCppGenerator.open({ modelPath: join(dir, 'none.gguf'), concurrency: 1, gpu: false })).rejects.toThrow(
      new W2sError('no such GGUF file', { file: join(dir, 'none.gguf') }),
    );
    const notGguf = join(dir, 'not.gguf');
    writeFileSync(notGguf, 'hello');
    const error = await LlamaCppGenerator.open({ modelPath: notGguf, concurrency: 1, gpu: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as W2sError).message).toMatch(new RegExp(`^${notGguf}: llama.cpp cannot load this model`));
  });
});

describe('LlamaCppGenerator with many sequences in one batch and a large vocabulary', () => {
  // llama.cpp reorders a batch's logits inside the first read after a decode, and node-llama-cpp reads them from several
  // threads at once (src/backends/llamacpp-sample-order.ts). The reorder moves rows of the vocabulary's size, so a large
  // vocabulary and many sequences per batch make the race likely: without the guard most outputs here go wrong.
  it('samples each sequence from its own logits: every output is the greedy continuation of the built-in engine', async () => {
    const large = mkdtempSync(join(tmpdir(), 'w2s-llamacpp-batch-'));
    const words = Array.from({ length: 20_000 }, (_, i) => `q${lettersOf(i)}`);
    const tokenizer = buildClosedVocabularyTokenizer(words, { bos: '<s>', eos: '</s>', pad: '<pad>' });
    const config = parseLlamaConfig({
      vocab_size: tokenizer.vocabSize,
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 1,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      max_position_embeddings: 128,
      bos_token_id: tokenizer.bosId,
      eos_token_id: tokenizer.eosId,
      pad_token_id: tokenizer.padId,
    });
    const tensors = LlamaModel.init(config, getKernels(), 1).tensors();
    // Embeddings and output rows of unit scale, so the best next token leads by a clear margin; only the words with a
    // leading space can be written, so each output re-encodes to the tokens that wrote it.
    const rng = new Rng(5);
    const spaced = new Set((await tokenizer.encodeBatch(words.map((w) => ` ${w}`))).map((ids) => ids[0]!));
    const C = config.hidden_size;
    for (const name of ['model.embed_tokens.weight', 'lm_head.weight']) {
      const data = tensors.get(name)!.data;
      for (let i = 0; i < data.length; i++) data[i] = 2 * (rng.next() + rng.next() + rng.next() - 1.5);
    }
    const head = tensors.get('lm_head.weight')!.data;
    for (let v = 0; v < config.vocab_size; v++) if (!spaced.has(v)) head.fill(0, v * C, (v + 1) * C);
    const checkpointDir = join(large, 'model');
    saveCheckpoint(checkpointDir, config, tensors, tokenizer);
    exportGguf(checkpointDir, join(large, 'model.gguf'));
    const model = loadModel({ checkpoint: checkpointDir });
    const batched = await LlamaCppGenerator.open({ modelPath: join(large, 'model.gguf'), concurrency: 16, gpu: false, threads: 1 });
    try {
      const prompts = Array.from({ length: 48 }, (_, p) => Array.from({ length: 2 + (p % 5) }, () => words[rng.int(words.length)]).join(' '));
      const decoding: Decoding = { temperature: 0, maxTokens: 10, stop: [] };
      const results = await Promise.all(prompts.map((prompt) => batched.generate(prompt, decoding)));
      for (const [i, result] of results.entries()) {
        if (!result.ok) throw new Error(`${prompts[i]}: ${result.message}`);
        expect(await largestGap(model, prompts[i]!, result.output, decoding.maxTokens), `${prompts[i]} -> ${result.output}`).toBeLessThan(GAP_TOLERANCE);
      }
    } finally {
      await batched.close();
    }
  });
});

/** i written in base 26 with the letters a-z. */
function lettersOf(i: number): string {
  let text = '';
  do {
    text += String.fromCharCode(97 + (i % 26));
    i = Math.floor(i / 26);
  } while (i > 0);
  return text;
}

describe('w2s label --backend llamacpp', () => {
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('labels a split with a GGUF file; every answer is the greedy continuation of the built-in engine on the checkpoint', async () => {
    // No stop strings, so each output is what the model wrote up to end-of-sequence or the token limit.
    const common = ['label', '--task', 'ethics', '--split', 'test', '--data', ETHICS_VAL, '--limit', '3', '--max-tokens', '6', '--stop', ''];
    const viaGguf = join(dir, 'label-gguf');
    const viaEngine = join(dir, 'label-engine');
    expect(await main(['node', 'w2s', ...common, '--backend', 'llamacpp', '--model', gguf, '--threads', '1', '--out', viaGguf])).toBe(0);
    expect(await main(['node', 'w2s', ...common, '--backend', 'builtin', '--model', checkpoint, '--out', viaEngine])).toBe(0);
    const rows = (file: string): AnswerRow[] => readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as AnswerRow);
    const ggufRows = rows(join(viaGguf, 'answers.jsonl'));
    const engineRows = rows(join(viaEngine, 'answers.jsonl'));
    expect(ggufRows).toHaveLength(6);
    const questions = (rows: AnswerRow[]): object[] => rows.map(({ id, variant, prompt, gold }) => ({ id, variant, prompt, gold }));
    expect(questions(ggufRows)).toEqual(questions(engineRows));
    // The App. B prompts are far from what the tiny model learned: two of its next tokens can score close together, and
    // the CPU that trained it decides how close. llama.cpp's log-probabilities differ from the engine's by up to about
    // 0.015 here, so where two tokens tie that closely the two may pick differently. The check is of each token llama.cpp
    // chose: the engine scores it as its best, within that difference (a token that is not the engine's pick scores 5 to
    // 10 lower).
    for (const [i, row] of ggufRows.entries()) {
      expect(await largestGap(loaded, row.prompt, row.output, 6), `${row.id} variant ${row.variant}: ${JSON.stringify(row.output)} (engine: ${JSON.stringify(engineRows[i]!.output)})`).toBeLessThan(GAP_TOLERANCE);
    }
  });
});

interface AnswerRow {
  id: string;
  variant: number;
  prompt: string;
  output: string;
  answer: string | null;
  gold: string;
}

/** How far below the engine's best logit llama.cpp's pick may score: a few times their measured difference. */
const GAP_TOLERANCE = 0.1;

/**
 * How far below the engine's best next token the worst token of `output` (written after `prompt`) scores, with
 * end-of-sequence after it when the output ended before `maxTokens`: 0 when every one is the engine's greedy choice.
 */
async function largestGap({ model, tokenizer }: LoadedModel, prompt: string, output: string, maxTokens: number): Promise<number> {
  const [context] = await promptIds(tokenizer, [prompt]);
  const outputTokens = await tokenizer.encode(output);
  expect(await tokenizer.decode(outputTokens), 'the output re-encodes to the same tokens').toBe(output);
  const gap = largestGreedyGap(model, context!, outputTokens, outputTokens.length < maxTokens);
  expect(gap).not.toBeNull();
  return gap!;
}
