import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { completeIds, generateTexts, loadModel, promptIds, type LoadedModel } from '../../../src/backends/builtin.js';
import { BuiltinTrainer } from '../../../src/backends/builtin-trainer.js';
import { HfGenerator } from '../../../src/backends/hf/generator.js';
import { HfTrainer } from '../../../src/backends/hf/trainer.js';
import type { Decoding, SftSettings } from '../../../src/backends/types.js';
import { main } from '../../../src/cli/main.js';
import type { SftRow } from '../../../src/core/types.js';
import { scoreContinuations } from '../../../src/engine/generate.js';
import { PROMPTS, trainTinyLm } from '../../engine/tiny-lm.js';
import { alive, until } from './helpers.js';
import { HF_PYTHON, hfPythonAvailable, parityRequired } from '../../helpers/hf-python.js';

/*
 * The TypeScript client against the real sidecar (python/w2s_hf) on CPU, on a checkpoint our engine trained: HfTrainer
 * and HfGenerator give what BuiltinTrainer and the built-in engine give, and `w2s train --engine hf` / `w2s label
 * --backend hf` work end to end. Needs the sidecar's Python ($W2S_PYTHON, else .venv-hf from python/setup-venv.sh);
 * skipped without it unless W2S_PARITY=require.
 */

const PYTHON = HF_PYTHON;
const available = hfPythonAvailable;
const required = parityRequired;
const ENV = { OMP_NUM_THREADS: '2', HF_HUB_OFFLINE: '1', TRANSFORMERS_VERBOSITY: 'error' };
const ETHICS_VAL = 'fixtures/ethics/hf/commonsense/validation.jsonl';

const ROWS: SftRow[] = [
  { id: 'a', prompt: 'one two', completion: ' three four five .', weight: 1 },
  { id: 'b', prompt: 'red', completion: ' orange yellow', weight: 0.5 },
  { id: 'c', prompt: 'cat dog', completion: ' cow pig hen .', weight: 0.25 },
  { id: 'd', prompt: 'seven', completion: ' eight nine ten .', weight: 0 },
  { id: 'e', prompt: 'blue indigo', completion: ' violet .', weight: 1.5 },
];
const GREEDY: Decoding = { temperature: 0, maxTokens: 24, stop: [] };

const dir = (): string => mkdtempSync(join(tmpdir(), 'w2s-hf-real-'));
const relative = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

describe.skipIf(!available && !required)('the Hugging Face sidecar through its TypeScript client', () => {
  let checkpoint: string;
  let loaded: LoadedModel;
  let stdout = '';
  beforeAll(async () => {
    checkpoint = await trainTinyLm(dir());
    loaded = loadModel({ checkpoint });
  });
  beforeEach(() => {
    stdout = '';
  });
  afterEach(() => vi.restoreAllMocks());
  const quiet = (): void => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  };

  it('finds its Python when parity is required', () => {
    expect(available, `no interpreter at ${PYTHON}: run bash python/setup-venv.sh or set W2S_PYTHON`).toBe(true);
  });

  it("HfGenerator: greedy outputs, finish reasons and token counts equal the built-in engine's; log-likelihoods within 1e-4", async () => {
    const generator = await HfGenerator.open({ model: checkpoint, python: PYTHON, env: ENV, batchSize: 4 });
    try {
      expect(generator.ready).toMatchObject({ device: 'cpu', precision: 'fp32', context: 512 });
      const ids = await promptIds(loaded.tokenizer, PROMPTS);
      for (const decoding of [GREEDY, { ...GREEDY, maxTokens: 3 }]) {
        const ours = await generator.generateAll(PROMPTS, decoding);
        expect(ours).toEqual(await completeIds(loaded, ids, decoding));
      }
      const stopped = await generator.generateAll(PROMPTS, { ...GREEDY, stop: [' six', 'owl'] });
      const engine = await completeIds(loaded, ids, { ...GREEDY, stop: [' six', 'owl'] });
      expect(stopped.map((c) => [c.text, c.finishReason])).toEqual(engine.map((c) => [c.text, c.finishReason]));
      expect(stopped[0]!.text).toBe(' three four five');

      const completions = [' three', ' three four five .', ' red'];
      const logprobs = await generator.logLikelihoods('one two', completions);
      const continuations = await loaded.tokenizer.encodeBatch(completions);
      const scored = scoreContinuations(loaded.model, continuations.map((c) => ({ context: ids[0]!, continuation: c })));
      logprobs.forEach((lp, i) => expect(relative(lp, scored[i]!.logLikelihood)).toBeLessThan(1e-4));
      expect(logprobs[0]).toBeGreaterThan(logprobs[2]!);
    } finally {
      await generator.close();
    }
  });

  it('HfTrainer: the first loss equals BuiltinTrainer\'s (Eq. 5, one batch of all rows); its adapter runs in our engine as in PyTorch', async () => {
    const settings: SftSettings = { learningRate: 2e-2, batchSize: ROWS.length, maxSteps: 8, lora: { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj'] }, seed: 1 };
    const adapter = join(dir(), 'hf');
    const hf = await new HfTrainer({ python: PYTHON, env: ENV }).train({ checkpoint }, ROWS, settings, adapter);
    const builtin = await new BuiltinTrainer().train({ checkpoint }, ROWS, settings, join(dir(), 'builtin'));
    expect(hf.steps).toBe(8);
    expect(relative(hf.firstLoss, builtin.firstLoss)).toBeLessThan(1e-4);
    expect(hf.lastLoss).toBeLessThan(hf.firstLoss);
    expect(hf.model).toEqual({ checkpoint, adapter });

    const generator = await HfGenerator.open({ model: checkpoint, adapter, python: PYTHON, env: ENV });
    try {
      const torch = await generator.generateAll(PROMPTS, GREEDY);
      const ours = await completeIds(loadModel(hf.model), await promptIds(loaded.tokenizer, PROMPTS), GREEDY);
      expect(torch).toEqual(ours);
      // The adapter changed what the model writes.
      expect(ours.map((c) => c.text)).not.toEqual((await completeIds(loaded, await promptIds(loaded.tokenizer, PROMPTS), GREEDY)).map((c) => c.text));
    } finally {
      await generator.close();
    }
  });

  it('HfTrainer: a full fine-tune is a checkpoint folder our engine loads', async () => {
    const out = join(dir(), 'full');
    const outcome = await new HfTrainer({ python: PYTHON, env: ENV }).train({ checkpoint }, ROWS, { learningRate: 1e-3, batchSize: 2, maxSteps: 2, lora: null, seed: 0 }, out);
    expect(outcome.model).toEqual({ checkpoint: out });
    const [text] = await generateTexts({ checkpoint: out }, ['one two'], GREEDY);
    expect(typeof text).toBe('string');
  });

  it('HfTrainer: a run whose loss stops being finite fails (exit 1, saying so) and writes nothing', async () => {
    const parent = dir();
    const out = join(parent, 'diverged');
    const error = await new HfTrainer({ python: PYTHON, env: ENV })
      .train({ checkpoint }, ROWS, { learningRate: 1e30, batchSize: 2, maxSteps: 3, lora: null, seed: 0 }, out)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { exitCode?: number }).exitCode).toBe(1);
    expect((error as Error).message).toMatch(/training diverged at step \d \((loss|the updated weights)/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('w2s train --engine hf, then w2s label --backend hf --adapter: the labels are the engine outputs with that adapter', async () => {
    quiet();
    const rows = join(dir(), 'rows.jsonl');
    writeFileSync(rows, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const adapter = join(dir(), 'adapter');
    vi.stubEnv('OMP_NUM_THREADS', '2');
    try {
      const train = ['train', '--engine', 'hf', '--python', PYTHON, '--base', checkpoint, '--rows', rows, '--out', adapter, '--learning-rate', '1e-2', '--batch-size', '2', '--epochs', '1'];
      expect(await main(['node', 'w2s', ...train])).toBe(0);
      expect(readdirSync(adapter)).toEqual(expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors', 'train.json']));
      expect(JSON.parse(readFileSync(join(adapter, 'train.json'), 'utf8'))).toMatchObject({ engine: 'hf', steps: 3, hf: { device: 'cpu', precision_used: 'fp32', processes: 1 } });

      const out = dir();
      const label = ['label', '--task', 'ethics', '--split', 'test', '--data', ETHICS_VAL, '--limit', '3', '--backend', 'hf', '--python', PYTHON];
      expect(await main(['node', 'w2s', ...label, '--model', checkpoint, '--adapter', adapter, '--max-tokens', '6', '--out', out])).toBe(0);
      expect(stdout).toMatch(/ethics test: 3 questions x 2 variations with hf model .*: 3 complete, 0 with failures/);
      const answers = readFileSync(join(out, 'answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; output: string });
      expect(answers).toHaveLength(6);
      const expected = await generateTexts({ checkpoint, adapter }, answers.map((a) => a.prompt), { temperature: 0, maxTokens: 6, stop: ['###'] });
      expect(answers.map((a) => a.output)).toEqual(expected);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('w2s train --engine hf stops at Ctrl-C: the sidecar is gone and nothing is written', async () => {
    if (!existsSync('dist/cli/commands/train.js')) throw new Error('dist/ is not built: run `npx tsc -p .` before this test');
    const folder = dir();
    const rows = join(folder, 'rows.jsonl');
    writeFileSync(rows, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = join(folder, 'interrupted');
    const child = spawn(process.execPath, ['bin/w2s.js', 'train', '--engine', 'hf', '--python', PYTHON, '--base', checkpoint, '--rows', rows, '--out', out, '--batch-size', '1', '--max-steps', '100000'], {
      env: { ...process.env, ...ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await until(() => output.includes('training (hf engine)'), 60_000);
    const sidecars = childPids(child.pid!);
    expect(sidecars.length).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await done).toBe(1);
    expect(output).toMatch(`w2s: stopped; nothing was written to ${out}`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(folder)).toEqual(['rows.jsonl']);
    await until(() => sidecars.every((pid) => !alive(pid)));
  });
});

/** The ids of the processes whose parent is `pid` (from /proc). */
function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) \S+ /, '').split(' ')[0] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}
