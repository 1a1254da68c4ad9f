import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HfGenerator } from '../../../src/backends/hf/generator.js';
import type { Decoding } from '../../../src/backends/types.js';
import { W2sError } from '../../../src/errors.js';
import { FAKE_PYTHON, readLog, tempDir } from './helpers.js';

const GREEDY: Decoding = { temperature: 0, maxTokens: 40, stop: [] };

async function fakeGenerator(mode = 'ok', options: { batchSize?: number; adapter?: string; model?: string } = {}): Promise<{ generator: HfGenerator; log: string }> {
  const log = join(tempDir(), 'log.jsonl');
  const generator = await HfGenerator.open({ model: options.model ?? 'llama2-7b', python: FAKE_PYTHON, env: { FAKE_MODE: mode, FAKE_LOG: log }, stderr: () => undefined, ...options });
  return { generator, log };
}

describe('HfGenerator (fake sidecar)', () => {
  it('starts one generate process with the model, adapter and batch size, and names itself by model and adapter', async () => {
    const adapter = tempDir();
    const { generator, log } = await fakeGenerator('ok', { batchSize: 4, adapter });
    expect(generator.identity).toEqual({ backend: 'hf', model: `meta-llama/Llama-2-7b-hf+${adapter}` });
    expect(generator.concurrency).toBe(4);
    expect(generator.ready).toEqual({ event: 'ready', model: 'meta-llama/Llama-2-7b-hf', device: 'cpu', precision: 'fp32', context: 64 });
    await generator.close();
    const argv = readLog(log).find((r) => (r.argv as string[] | undefined)?.includes('generate'))!.argv;
    expect(argv).toEqual(['-m', 'w2s_hf', 'generate', '--model', 'meta-llama/Llama-2-7b-hf', '--batch-size', '4', '--precision', 'auto', '--adapter', adapter]);
  });

  it('routes answers that come back out of order to the requests they answer', async () => {
    const { generator, log } = await fakeGenerator('ok', { batchSize: 3 });
    const prompts = Array.from({ length: 10 }, (_, i) => `prompt ${i}`);
    const results = await Promise.all(prompts.map((p) => generator.generate(p, GREEDY)));
    expect(results).toEqual(prompts.map((p) => ({ ok: true, output: `echo:${p}`, finishReason: 'stop', retries: [] })));
    await generator.close();
    const sent = readLog(log).filter((r) => r.generateRequest !== undefined).map((r) => r.generateRequest);
    expect(sent[0]).toEqual({ id: '0', prompt: 'prompt 0', max_tokens: 40, temperature: 0, top_p: null, stop: [], seed: 0 });
    expect(new Set(sent.map((r) => (r as { id: string }).id)).size).toBe(10);
  });

  it('sends the decoding parameters and returns the finish reason and token counts', async () => {
    const { generator, log } = await fakeGenerator();
    const [stopped, long] = await Promise.all([
      generator.complete('abc ### next', { temperature: 0.7, topP: 0.9, seed: 3, maxTokens: 40, stop: ['###'] }),
      generator.complete('a long prompt that fills the limit', { ...GREEDY, maxTokens: 8 }),
    ]);
    expect(stopped).toEqual({ ok: true, completion: { text: 'echo:abc ', finishReason: 'stop', promptTokens: 12, completionTokens: 9 } });
    expect(long).toEqual({ ok: true, completion: { text: 'echo:a l', finishReason: 'length', promptTokens: 34, completionTokens: 8 } });
    await generator.close();
    expect(readLog(log).find((r) => r.generateRequest !== undefined)!.generateRequest).toEqual({
      id: '0',
      prompt: 'abc ### next',
      max_tokens: 40,
      temperature: 0.7,
      top_p: 0.9,
      stop: ['###'],
      seed: 3,
    });
  });

  it("fails one request as an engine failure when the sidecar refuses it, and answers the others", async () => {
    const { generator } = await fakeGenerator();
    const [bad, good] = await Promise.all([generator.generate('FAIL', GREEDY), generator.generate('fine', GREEDY)]);
    expect(bad).toEqual({ ok: false, reason: 'engine', message: 'the prompt fills the context', retries: [], fatal: false });
    expect(good).toMatchObject({ ok: true, output: 'echo:fine' });
    await generator.close();
  });

  it('fails every waiting request, and every later one, with the Python message when the process dies', async () => {
    const { generator } = await fakeGenerator('die-after-2', { batchSize: 8 });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((p) => generator.generate(p, GREEDY)));
    for (const r of results) {
      expect(r).toEqual({ ok: false, reason: 'engine', message: 'the Hugging Face sidecar (generate) failed (exit code 1): RuntimeError: CUDA out of memory', retries: [], fatal: true });
    }
    expect(await generator.generate('e', GREEDY)).toMatchObject({ ok: false, reason: 'engine', fatal: true, message: expect.stringMatching(/CUDA out of memory/) });
    await generator.close();
  });

  it('answers an aborted request at once, drops its late answer, and stops the sidecar on close', async () => {
    const { generator } = await fakeGenerator('slow-gen');
    const stop = new AbortController();
    const pending = generator.generate('slow', GREEDY, stop.signal);
    stop.abort();
    expect(await pending).toEqual({ ok: false, reason: 'aborted', message: 'stopped', retries: [], fatal: false });
    expect(await generator.generate('x', GREEDY, stop.signal)).toMatchObject({ ok: false, reason: 'aborted' });
    const started = performance.now();
    await generator.close();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('finishes the requests in flight before close resolves, then refuses new ones', async () => {
    const { generator } = await fakeGenerator('slow-gen');
    const inFlight = generator.generate('last', GREEDY);
    await generator.close();
    expect(await inFlight).toMatchObject({ ok: true, output: 'echo:last' });
    expect(await generator.generate('after', GREEDY)).toMatchObject({ ok: false, reason: 'engine', message: 'the generator is closed' });
  });

  it('generates in bulk in prompt order, and throws at the first failed prompt', async () => {
    const { generator } = await fakeGenerator('ok', { batchSize: 2 });
    const completions = await generator.generateAll(['x', 'yy', 'zzz'], GREEDY);
    expect(completions.map((c) => c.text)).toEqual(['echo:x', 'echo:yy', 'echo:zzz']);
    await expect(generator.generateAll(['ok', 'FAIL'], GREEDY)).rejects.toThrow('generation failed for prompt 1: the prompt fills the context');
    await generator.close();
  });

  it('scores completions by log-likelihood', async () => {
    const { generator, log } = await fakeGenerator();
    expect(await generator.logLikelihoods('Q: pick ### Answer:', [' A', ' Bee', ''])).toEqual([-2, -4, 0]);
    await expect(generator.logLikelihoods('FAIL', [' A'])).rejects.toThrow(W2sError);
    await generator.close();
    expect(readLog(log).find((r) => r.generateRequest !== undefined)!.generateRequest).toEqual({ id: '0', prompt: 'Q: pick ### Answer:', completions: [' A', ' Bee', ''] });
  });

  it('rejects open with the Python message (exit code 2) when the model cannot be loaded', async () => {
    const error = (await fakeGenerator('bad-model', { model: '/no/such/model' }).catch((e: unknown) => e)) as W2sError;
    expect(error).toBeInstanceOf(W2sError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('/no/such/model: no config.json in the folder');
  });
});
