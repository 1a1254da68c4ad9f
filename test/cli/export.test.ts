import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateTexts, loadModel, promptIds } from '../../src/backends/builtin.js';
import { LlamaCppGenerator } from '../../src/backends/llamacpp.js';
import type { Decoding } from '../../src/backends/types.js';
import { CHECK_NEAR_TIE } from '../../src/cli/actions/export.js';
import { main } from '../../src/cli/main.js';
import { Rng } from '../../src/core/rng.js';
import { generate, largestGreedyGap } from '../../src/engine/generate.js';
import { LoraAdapter } from '../../src/engine/lora.js';
import { gaussian } from '../../src/engine/params.js';
import { saveAdapter } from '../../src/engine/formats/peft.js';
import { PROMPTS, trainTinyLm } from '../engine/tiny-lm.js';

const GREEDY: Decoding = { temperature: 0, maxTokens: 16, stop: [] };

let dir: string;
let checkpoint: string;
let stdout: string;
let stderr: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-export-'));
  checkpoint = await trainTinyLm(dir);
});

beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

/** Greedy outputs of a GGUF file run by llama.cpp. */
async function llamaOutputs(file: string): Promise<string[]> {
  const generator = await LlamaCppGenerator.open({ modelPath: file, concurrency: 4, gpu: false, threads: 1 });
  try {
    const results = await Promise.all(PROMPTS.map((p) => generator.generate(p, GREEDY)));
    return results.map((r) => (r.ok ? r.output : `failed: ${r.message}`));
  } finally {
    await generator.close();
  }
}

describe('w2s export gguf', () => {
  it('writes a GGUF file llama.cpp runs with the checkpoint\'s outputs, and says what it wrote', async () => {
    const out = join(dir, 'f32.gguf');
    expect(await main(['node', 'w2s', 'export', 'gguf', '--model', checkpoint, '--out', out])).toBe(0);
    const info = await readGgufFileInfo(out, { logWarnings: false });
    expect(stdout).toBe(`wrote ${out}: ${info.tensorInfo!.length} tensors, ${info.tensorInfo!.reduce((n, t) => n + t.dimensions.reduce<number>((a, d) => a * Number(d), 1), 0)} parameters (F32), vocabulary 355\n`);
    expect(await llamaOutputs(out)).toEqual(await generateTexts(loadModel({ checkpoint }), PROMPTS, GREEDY));

    const half = join(dir, 'f16.gguf');
    expect(await main(['node', 'w2s', 'export', 'gguf', '--model', checkpoint, '--out', half, '--dtype', 'f16', '--name', 'tiny-half'])).toBe(0);
    expect(statSync(half).size).toBeLessThan(0.6 * statSync(out).size);
    expect((await readGgufFileInfo(half, { logWarnings: false })).metadata.general).toMatchObject({ name: 'tiny-half', file_type: 1 });
  });

  it('--check runs the written file in llama.cpp and finds the engine\'s greedy text', async () => {
    const out = join(dir, 'checked.gguf');
    expect(await main(['node', 'w2s', 'export', 'gguf', '--model', checkpoint, '--out', out, '--check'])).toBe(0);
    expect(stdout).toMatch(/^wrote .*checked\.gguf: .*\ncheck: llama\.cpp runs the file and writes what the built-in engine writes \(".+"\)\n$/);
  });

  it("--check's fallback scores the tokens llama.cpp chose with the engine: its own greedy path is within the near-tie bound, another path is not", async () => {
    const { model, tokenizer } = loadModel({ checkpoint });
    const [context] = await promptIds(tokenizer, ['one two']);
    const [greedy] = generate(model, [context!], { maxNewTokens: 16 });
    expect(greedy!.finishReason).toBe('eos');
    const path = greedy!.tokens;
    expect(largestGreedyGap(model, context!, path, true)).toBeLessThan(1e-4);
    // Another word in the middle, or an end claimed too early: each scores far below the engine's choice.
    const [other] = await tokenizer.encode(' cat');
    expect(largestGreedyGap(model, context!, [path[0]!, other!, ...path.slice(2)], true)).toBeGreaterThan(CHECK_NEAR_TIE);
    expect(largestGreedyGap(model, context!, path.slice(0, 2), true)).toBeGreaterThan(CHECK_NEAR_TIE);
    // Cut at the token limit (no end of sequence to score), the greedy prefix is still within the bound.
    expect(largestGreedyGap(model, context!, path.slice(0, 2), false)).toBeLessThan(1e-4);
    expect(largestGreedyGap(model, [], path, true)).toBeNull();
  });

  it('merges a LoRA adapter into the weights: llama.cpp then answers as the engine does with the adapter attached', async () => {
    const { model } = loadModel({ checkpoint });
    const lora = new LoraAdapter(model.config, { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'down_proj'] });
    const rng = new Rng(5);
    for (let i = 0; i < lora.params.length; i++) lora.params[i] = 0.3 * gaussian(rng);
    const adapterDir = join(dir, 'adapter');
    saveAdapter(adapterDir, { config: lora.config, baseModel: checkpoint, params: lora.tensors() }, model.config);
    const out = join(dir, 'merged.gguf');
    expect(await main(['node', 'w2s', 'export', 'gguf', '--model', checkpoint, '--adapter', adapterDir, '--out', out])).toBe(0);
    const withAdapter = await generateTexts(loadModel({ checkpoint, adapter: adapterDir }), PROMPTS, GREEDY);
    expect(withAdapter).not.toEqual(await generateTexts(loadModel({ checkpoint }), PROMPTS, GREEDY));
    expect(await llamaOutputs(out)).toEqual(withAdapter);
  });

  it.each<[string, () => string[], RegExp]>([
    ['a missing checkpoint', () => ['--model', join(dir, 'nothing'), '--out', join(dir, 'x.gguf')], /nothing\/config.json/],
    ['an unknown dtype', () => ['--model', checkpoint, '--out', join(dir, 'y.gguf'), '--dtype', 'q4'], /invalid --dtype/],
  ])('exits 2 on %s and writes nothing', async (_name, args, message) => {
    const argv = args();
    expect(await main(['node', 'w2s', 'export', 'gguf', ...argv])).toBe(2);
    expect(stderr).toMatch(message);
    expect(existsSync(argv[argv.indexOf('--out') + 1]!)).toBe(false);
  });
});
