import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { completeIds, loadModel, promptIds, type LoadedModel } from '../../src/backends/builtin.js';
import { LlamaCppGenerator } from '../../src/backends/llamacpp.js';
import type { Decoding } from '../../src/backends/types.js';
import { main } from '../../src/cli/main.js';
import { exportGguf } from '../../src/engine/formats/gguf-export.js';
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

describe('w2s label --backend llamacpp', () => {
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('labels a split with a GGUF file; the answers equal those of the built-in engine on the checkpoint', async () => {
    const common = ['label', '--task', 'ethics', '--split', 'test', '--data', ETHICS_VAL, '--limit', '3', '--max-tokens', '6'];
    const viaGguf = join(dir, 'label-gguf');
    const viaEngine = join(dir, 'label-engine');
    expect(await main(['node', 'w2s', ...common, '--backend', 'llamacpp', '--model', gguf, '--threads', '1', '--out', viaGguf])).toBe(0);
    expect(await main(['node', 'w2s', ...common, '--backend', 'builtin', '--model', checkpoint, '--out', viaEngine])).toBe(0);
    const answers = readFileSync(join(viaGguf, 'answers.jsonl'), 'utf8');
    expect(answers.trim().split('\n')).toHaveLength(6);
    expect(answers).toBe(readFileSync(join(viaEngine, 'answers.jsonl'), 'utf8'));
  });
});
