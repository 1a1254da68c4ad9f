import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateTexts, loadModel, type LoadedModel } from '../../src/backends/builtin.js';
import { BuiltinGenerator } from '../../src/backends/builtin-generator.js';
import type { Decoding } from '../../src/backends/types.js';
import { main } from '../../src/cli/main.js';
import { PROMPTS, trainTinyLm } from '../engine/tiny-lm.js';

const GREEDY: Decoding = { temperature: 0, maxTokens: 24, stop: [] };
const ETHICS_VAL = 'fixtures/ethics/hf/commonsense/validation.jsonl';

let checkpoint: string;
let loaded: LoadedModel;

beforeAll(async () => {
  checkpoint = await trainTinyLm(mkdtempSync(join(tmpdir(), 'w2s-builtin-')));
  loaded = loadModel({ checkpoint });
});

describe('BuiltinGenerator', () => {
  it('gathers concurrent calls into batches and answers each as generateTexts does', async () => {
    const generator = new BuiltinGenerator(loaded, { name: 'tiny', concurrency: 4 });
    const results = await Promise.all(PROMPTS.map((p) => generator.generate(p, GREEDY)));
    expect(generator.batchesRun).toBe(2);
    const expected = await generateTexts(loaded, PROMPTS, GREEDY);
    expect(results.map((r) => (r.ok ? r.output : r.message))).toEqual(expected);
    // ... and as each prompt alone would be answered: a batch does not change a greedy output.
    for (const [i, prompt] of PROMPTS.entries()) expect((await generateTexts(loaded, [prompt], GREEDY))[0]).toBe(expected[i]);
    expect(expected[0]).toBe(' three four five six seven eight nine ten .');
  });

  it('batches concurrent calls alike however long their prompts take to tokenize', async () => {
    // The tokenizer runs on its own threads, so concurrent calls reach the queue at different times: here, 0-15 ms apart.
    const tokenizer = Object.create(loaded.tokenizer) as LoadedModel['tokenizer'];
    tokenizer.encodeBatch = async (texts, options) => {
      await new Promise((wake) => setTimeout(wake, (texts[0]!.length * 7) % 16));
      return loaded.tokenizer.encodeBatch(texts, options);
    };
    const generator = new BuiltinGenerator({ ...loaded, tokenizer }, { name: 'tiny', concurrency: 4 });
    const results = await Promise.all(PROMPTS.map((p) => generator.generate(p, GREEDY)));
    expect(generator.batchesRun).toBe(2);
    expect(results.map((r) => (r.ok ? r.output : r.message))).toEqual(await generateTexts(loaded, PROMPTS, GREEDY));
  });

  it('reports why an output ended and cuts it before a stop string', async () => {
    const generator = new BuiltinGenerator(loaded, { name: 'tiny', concurrency: 8 });
    const [eos, stop, length, none] = await Promise.all([
      generator.complete('one two', GREEDY),
      generator.complete('one two', { ...GREEDY, stop: ['six', ' fi'] }),
      generator.complete('one two', { ...GREEDY, maxTokens: 2 }),
      generator.complete('one two', { ...GREEDY, maxTokens: 0 }),
    ]);
    expect(eos).toEqual({ ok: true, completion: { text: ' three four five six seven eight nine ten .', finishReason: 'stop', promptTokens: 3, completionTokens: 9 } });
    expect(stop).toMatchObject({ ok: true, completion: { text: ' three four', finishReason: 'stop' } });
    expect(length).toEqual({ ok: true, completion: { text: ' three four', finishReason: 'length', promptTokens: 3, completionTokens: 2 } });
    expect(none).toMatchObject({ ok: true, completion: { text: '', finishReason: 'length', completionTokens: 0 } });
  });

  it('samples the same output for the same prompt and seed, whatever else is in flight', async () => {
    const sampled: Decoding = { temperature: 1.5, maxTokens: 12, stop: [], seed: 3 };
    const alone = await new BuiltinGenerator(loaded, { name: 'tiny', concurrency: 8 }).generate('red', sampled);
    const generator = new BuiltinGenerator(loaded, { name: 'tiny', concurrency: 8 });
    const crowd = await Promise.all([generator.generate('cat', sampled), generator.generate('red', sampled), generator.generate('red', { ...sampled, seed: 4 })]);
    expect(crowd[1]).toEqual(alone);
    const seeds = await Promise.all([5, 6, 7, 8, 9, 10].map((seed) => generator.generate('red', { ...sampled, seed })));
    expect(new Set(seeds.map((r) => (r.ok ? r.output : ''))).size).toBeGreaterThan(1);
  });

  it('fails a prompt longer than the context as an engine failure, without disturbing the others', async () => {
    const generator = new BuiltinGenerator(loaded, { name: 'tiny', concurrency: 4 });
    const [long, short] = await Promise.all([generator.generate('x'.repeat(600), GREEDY), generator.generate('red', GREEDY)]);
    expect(long).toEqual({ ok: false, reason: 'engine', message: "the prompt has 601 tokens; the model's context holds 512", retries: [], fatal: false });
    expect(short.ok).toBe(true);
  });

  it('answers a stopped call as aborted while it waits, and refuses calls once closed', async () => {
    const generator = new BuiltinGenerator(loaded, { name: 'tiny', concurrency: 1 });
    const stop = new AbortController();
    const first = generator.generate('red', GREEDY);
    const second = generator.generate('cat', GREEDY, stop.signal);
    // One call per batch: the second waits while the first runs, and is stopped before its turn.
    expect((await first).ok).toBe(true);
    stop.abort();
    expect(await second).toEqual({ ok: false, reason: 'aborted', message: 'stopped', retries: [], fatal: false });
    expect(generator.batchesRun).toBe(1);
    await generator.close();
    expect(await generator.generate('red', GREEDY)).toMatchObject({ ok: false, reason: 'engine' });
  });
});

describe('w2s label --backend builtin', () => {
  let stdout: string;
  beforeEach(() => {
    stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('labels a split with a checkpoint folder; the outputs are the engine outputs for the prompts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'w2s-label-builtin-'));
    const args = ['label', '--task', 'ethics', '--split', 'test', '--data', ETHICS_VAL, '--limit', '3', '--backend', 'builtin', '--model', checkpoint, '--max-tokens', '6', '--out', out];
    expect(await main(['node', 'w2s', ...args])).toBe(0);
    expect(stdout).toMatch(/ethics test: 3 questions x 2 variations with builtin model .*: 3 complete, 0 with failures/);
    const answers = readFileSync(join(out, 'answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; output: string });
    expect(answers).toHaveLength(6);
    const expected = await generateTexts(loaded, answers.map((a) => a.prompt), { temperature: 0, maxTokens: 6, stop: ['###'] });
    expect(answers.map((a) => a.output)).toEqual(expected);
    // A second run sends nothing: every request is in the store.
    expect(await main(['node', 'w2s', ...args])).toBe(0);
    expect(stdout).toMatch(/requests: 6 \(0 sent, 6 from the store\)/);
  });

  it('exits 2 naming the folder when the checkpoint is missing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'w2s-label-builtin-'));
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    const args = ['label', '--task', 'ethics', '--split', 'test', '--data', ETHICS_VAL, '--backend', 'builtin', '--model', join(out, 'nothing'), '--out', out];
    expect(await main(['node', 'w2s', ...args])).toBe(2);
    expect(stderr.join('')).toContain(join(out, 'nothing', 'config.json'));
  });
});
