import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLlamaConfig } from '../../src/engine/config.js';
import { saveCheckpoint } from '../../src/engine/formats/checkpoint.js';
import { getKernels } from '../../src/engine/kernels/index.js';
import { LlamaModel } from '../../src/engine/model.js';
import { buildClosedVocabularyTokenizer } from '../../src/engine/tokenizers/closed-vocabulary.js';
import { CYCLES } from '../engine/tiny-lm.js';

/*
 * `w2s serve` under its largest request (256 completions, each to the end of the context), run from the compiled
 * package as users run it: the server must keep answering while the batches run, drop the work of a client that went
 * away, and stop promptly on SIGTERM.
 */

const CONTEXT = 512;

/** An untrained model whose greedy output never ends early: its end-of-sequence logit is always 0, below the largest. */
function slowCheckpoint(dir: string): string {
  const tokenizer = buildClosedVocabularyTokenizer([...CYCLES.flat(), '.'], { bos: '<s>', eos: '</s>', pad: '<pad>' });
  const config = parseLlamaConfig({
    vocab_size: tokenizer.vocabSize,
    hidden_size: 256,
    intermediate_size: 688,
    num_hidden_layers: 4,
    num_attention_heads: 8,
    num_key_value_heads: 8,
    max_position_embeddings: CONTEXT,
    rms_norm_eps: 1e-5,
    tie_word_embeddings: false,
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
    pad_token_id: tokenizer.padId,
  });
  const tensors = LlamaModel.init(config, getKernels(), 7).tensors();
  const head = tensors.get('lm_head.weight')!;
  const C = config.hidden_size;
  head.data.fill(0, tokenizer.eosId! * C, (tokenizer.eosId! + 1) * C);
  const out = join(dir, 'model');
  saveCheckpoint(out, config, tensors, tokenizer);
  return out;
}

interface Served {
  child: ChildProcess;
  baseUrl: string;
  exited: Promise<number | null>;
}

async function serve(checkpoint: string): Promise<Served> {
  const child = spawn(process.execPath, ['bin/w2s.js', 'serve', '--model', checkpoint, '--port', '0', '--batch-size', '16'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => reject(new Error(`w2s serve exited early:\n${output}`)));
  });
  return { child, baseUrl, exited };
}

/** The largest request the server accepts: 16 prompts x n 16, each generating to the end of the context. */
function maximalRequest(baseUrl: string, signal: AbortSignal): Promise<Response> {
  const prompt = Array.from({ length: 16 }, (_, i) => CYCLES[i % 3]!.slice(0, 1 + (i % 4)).join(' '));
  return fetch(`${baseUrl}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'model', prompt, n: 16, max_tokens: CONTEXT, temperature: 0 }),
    signal,
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('w2s serve under load (the compiled command)', () => {
  let checkpoint: string;
  let served: Served;

  beforeAll(async () => {
    if (!existsSync('dist/backends/builtin-generate-worker.js')) throw new Error('dist/ is not built: run `npx tsc -p .` before this test');
    checkpoint = slowCheckpoint(mkdtempSync(join(tmpdir(), 'w2s-serve-load-')));
    served = await serve(checkpoint);
  });
  afterAll(() => {
    served?.child.kill('SIGKILL');
  });

  it('answers /v1/models within a second while a maximal request runs, and drops that request when its client goes away', async () => {
    const client = new AbortController();
    let settled = false;
    const big = maximalRequest(served.baseUrl, client.signal).then(
      () => (settled = true),
      () => (settled = true),
    );
    await sleep(500);
    const polls: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { value, ms } = await timed(() => fetch(`${served.baseUrl}/models`).then((r) => r.json() as Promise<{ data: { id: string }[] }>));
      expect(value.data[0]!.id).toBe('model');
      polls.push(ms);
      await sleep(200);
    }
    // The polls overlapped the generation: the big request (16 batches of 16 x ~500 tokens) was still running.
    expect(settled).toBe(false);
    expect(Math.max(...polls)).toBeLessThan(1000);

    client.abort();
    await big;
    // The running batch stops between tokens and the queued ones are dropped, so a small request is answered soon,
    // not after the rest of the big one.
    const small = await timed(async () => {
      const response = await fetch(`${served.baseUrl}/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'model', prompt: 'red', max_tokens: 4, temperature: 0 }),
      });
      return (await response.json()) as { choices: { text: string }[] };
    });
    expect(small.value.choices).toHaveLength(1);
    expect(small.ms).toBeLessThan(3000);
  }, 60_000);

  it('stops within two seconds of SIGTERM while a batch runs', async () => {
    const client = new AbortController();
    const big = maximalRequest(served.baseUrl, client.signal).catch(() => undefined);
    await sleep(500);
    const start = performance.now();
    served.child.kill('SIGTERM');
    const code = await served.exited;
    const ms = performance.now() - start;
    client.abort();
    await big;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(2000);
  }, 30_000);
});
