import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAPER_SFT } from '../../../src/backends/hf/presets.js';
import { PACKAGE_ROOT } from '../../../src/backends/hf/python.js';
import { accelerateConfigFile, trainArgs, trainRequest } from '../../../src/backends/hf/train-request.js';
import { HfTrainer } from '../../../src/backends/hf/trainer.js';
import type { TrainProgress } from '../../../src/backends/types.js';
import type { SftRow } from '../../../src/core/types.js';
import { W2sError } from '../../../src/errors.js';
import { FAKE_PYTHON, readLog, tempDir } from './helpers.js';

const ROWS: SftRow[] = [
  { id: 'q1/0', prompt: 'Question: 1+1? ### Answer:', completion: ' 2', weight: 1 },
  { id: 'q1/1', prompt: 'Question: one plus one? ### Answer:', completion: ' 2', weight: 0.9526 },
  { id: 'q2/0', prompt: 'Q ü', completion: ' "quoted"\nline', weight: 0 },
];

function fakeTrainer(mode = 'ok', extra: { accelerate?: string; chatTemplate?: boolean } = {}): { trainer: HfTrainer; log: string } {
  const log = join(tempDir(), 'log.jsonl');
  return { trainer: new HfTrainer({ python: FAKE_PYTHON, env: { FAKE_MODE: mode, FAKE_LOG: log }, stderr: () => undefined, ...extra }), log };
}

/** The w2s-hf-train-* folders in the temp dir (the trainer's work folders). */
function workFolders(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith('w2s-hf-train-'));
}

describe('trainRequest', () => {
  it("writes the contract's snake_case request with every default spelled out", () => {
    expect(trainRequest('/m/base', '/t/rows.jsonl', '/o/out', PAPER_SFT)).toEqual({
      base: '/m/base',
      rows: '/t/rows.jsonl',
      out: '/o/out',
      lora: { r: 16, alpha: 32, dropout: 0.05, target_modules: ['q_proj', 'v_proj'] },
      learning_rate: 5e-5,
      batch_size: 24,
      micro_batch_size: null,
      epochs: 3,
      max_steps: null,
      schedule: 'linear',
      warmup_steps: 0,
      weight_decay: 0,
      max_grad_norm: 1.0,
      seed: 0,
      shuffle: true,
      precision: 'auto',
      gradient_checkpointing: false,
      chat_template: false,
    });
    const full = trainRequest('b', 'r', 'o', { ...PAPER_SFT, lora: null, maxSteps: 7, microBatchSize: 4, schedule: 'cosine', warmupSteps: 2, seed: 5 }, { precision: 'bf16', gradientCheckpointing: true });
    expect(full).toMatchObject({ lora: null, max_steps: 7, micro_batch_size: 4, schedule: 'cosine', warmup_steps: 2, seed: 5, precision: 'bf16', gradient_checkpointing: true });
    expect(trainRequest('b', 'r', 'o', { ...PAPER_SFT, microBatchSize: 4 }, { microBatchSize: 2 }).micro_batch_size).toBe(2);
  });

  it('runs `-m w2s_hf train`, or the same module under accelerate launch with a config file', () => {
    expect(trainArgs('/t/request.json')).toEqual(['-m', 'w2s_hf', 'train', '--request', '/t/request.json']);
    expect(trainArgs('/t/request.json', { name: '/c.yaml', file: '/c.yaml', devices: 4 })).toEqual(['-m', 'accelerate.commands.launch', '--config_file', '/c.yaml', '-m', 'w2s_hf', 'train', '--request', '/t/request.json']);
    // A shipped per-GPU config runs one process per GPU the sidecar sees (at least one).
    expect(trainArgs('/t/request.json', { name: 'multi-gpu', file: '/m.yaml', devices: 4 })).toEqual(['-m', 'accelerate.commands.launch', '--config_file', '/m.yaml', '--num_processes', '4', '-m', 'w2s_hf', 'train', '--request', '/t/request.json']);
    expect(trainArgs('/t/request.json', { name: 'deepspeed-zero2', file: '/z.yaml', devices: 0 })).toContain('1');
    for (const name of ['deepspeed-zero3', 'fsdp']) expect(trainArgs('/t/request.json', { name, file: `/${name}.yaml`, devices: 8 }).slice(4, 6), name).toEqual(['--num_processes', '8']);
    expect(trainArgs('/t/request.json', { name: 'single-gpu', file: '/s.yaml', devices: 4 })).not.toContain('--num_processes');
  });

  it('finds the shipped accelerate configs by name, takes an existing file, and refuses anything else', () => {
    expect(accelerateConfigFile('multi-gpu')).toBe(join(PACKAGE_ROOT, 'python', 'accelerate', 'multi-gpu.yaml'));
    const own = join(tempDir(), 'mine.yaml');
    writeFileSync(own, 'num_processes: 2\n');
    expect(accelerateConfigFile(own)).toBe(own);
    expect(() => accelerateConfigFile('eight-gpus')).toThrow(/field "--accelerate": "eight-gpus" is neither a shipped accelerate config \(single-gpu, multi-gpu, deepspeed-zero2, deepspeed-zero3, fsdp\) nor an existing file/);
  });
});

describe('HfTrainer (fake sidecar)', () => {
  it('hands the rows and the request to the sidecar, reports every step, and returns the adapter on the base', async () => {
    const { trainer, log } = fakeTrainer();
    const base = join(tempDir(), 'base');
    mkdirSync(base);
    const out = join(tempDir(), 'adapter');
    const steps: TrainProgress[] = [];
    const before = workFolders().length;
    const outcome = await trainer.train({ checkpoint: base }, ROWS, { ...PAPER_SFT, batchSize: 2, epochs: 2 }, out, { onStep: (p) => steps.push(p) });

    expect(outcome).toEqual({ model: { checkpoint: base, adapter: out }, steps: 4, firstLoss: 2, lastLoss: 0.5, seconds: 0.5 });
    expect(steps).toEqual([1, 2, 3, 4].map((step) => ({ step, totalSteps: 4, loss: 2 / step, learningRate: 5e-5 })));
    expect(trainer.lastStart).toMatchObject({ examples: 3, total_steps: 4, device: 'cpu', trainable_parameters: 1234 });
    expect(JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'))).toEqual({ base_model_name_or_path: base });

    const records = readLog(log);
    const run = records.find((r) => r.request !== undefined)!;
    expect(run.request).toMatchObject({ base, out, batch_size: 2, epochs: 2, lora: { r: 16, target_modules: ['q_proj', 'v_proj'] } });
    expect((run.rows as string).trim().split('\n').map((l) => JSON.parse(l) as SftRow)).toEqual(ROWS);
    const argv = records.find((r) => r.argv !== undefined && (r.argv as string[]).includes('train'))!;
    expect(argv.argv).toEqual(['-m', 'w2s_hf', 'train', '--request', expect.stringMatching(/w2s-hf-train-.*\/request\.json$/)]);
    expect(argv.env).toEqual({ PYTHONPATH: expect.stringMatching(new RegExp(`^${join(PACKAGE_ROOT, 'python')}`)), TOKENIZERS_PARALLELISM: 'false', PYTHONUNBUFFERED: '1' });
    // The temp folder with the rows and the request is gone.
    expect(workFolders().length).toBe(before);
  });

  it('returns a full checkpoint as the model when LoRA is off, and resolves presets and relative folders', async () => {
    const { trainer, log } = fakeTrainer();
    const out = join(tempDir(), 'full');
    const outcome = await trainer.train({ checkpoint: 'mistral-7b' }, ROWS, { ...PAPER_SFT, lora: null, maxSteps: 2 }, out);
    expect(outcome.model).toEqual({ checkpoint: out });
    expect(readLog(log).find((r) => r.request !== undefined)!.request).toMatchObject({ base: 'mistralai/Mistral-7B-v0.1', lora: null, max_steps: 2 });

    const here = fakeTrainer();
    const relative = await here.trainer.train({ checkpoint: 'test' }, ROWS, { ...PAPER_SFT, maxSteps: 1 }, join(tempDir(), 'a'));
    expect(relative.model.checkpoint).toBe(resolve('test'));
  });

  it('asks for the chat template for instruct presets and when told, not for base models', async () => {
    const requestOf = async (checkpoint: string, extra: { chatTemplate?: boolean } = {}): Promise<unknown> => {
      const { trainer, log } = fakeTrainer('ok', extra);
      await trainer.train({ checkpoint }, ROWS, { ...PAPER_SFT, maxSteps: 1 }, join(tempDir(), 'a'));
      return readLog(log).find((r) => r.request !== undefined)!.request;
    };
    expect(await requestOf('qwen2.5-7b-instruct')).toMatchObject({ base: 'Qwen/Qwen2.5-7B-Instruct', chat_template: true });
    expect(await requestOf('qwen2.5-7b')).toMatchObject({ base: 'Qwen/Qwen2.5-7B', chat_template: false });
    expect(await requestOf('qwen2.5-7b', { chatTemplate: true })).toMatchObject({ chat_template: true });
  });

  it('runs under accelerate launch with the named config', async () => {
    const { trainer, log } = fakeTrainer('ok', { accelerate: 'deepspeed-zero2' });
    await trainer.train({ checkpoint: 'llama2-13b' }, ROWS, { ...PAPER_SFT, maxSteps: 1 }, join(tempDir(), 'a'));
    const argv = readLog(log).find((r) => (r.argv as string[] | undefined)?.includes('train'))!.argv as string[];
    expect(argv.slice(0, 4)).toEqual(['-m', 'accelerate.commands.launch', '--config_file', join(PACKAGE_ROOT, 'python', 'accelerate', 'deepspeed-zero2.yaml')]);
    // One process per GPU the sidecar reports (the fake reports none: one process).
    expect(argv.slice(4, 9)).toEqual(['--num_processes', '1', '-m', 'w2s_hf', 'train']);
  });

  it('passes bad input from the sidecar on as exit code 2 with its message, and cleans up', async () => {
    const { trainer } = fakeTrainer('bad-rows');
    const before = workFolders().length;
    const error = (await trainer.train({ checkpoint: 'b' }, ROWS, PAPER_SFT, join(tempDir(), 'x')).catch((e: unknown) => e)) as W2sError;
    expect(error).toBeInstanceOf(W2sError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/rows\.jsonl, line 2, field "prompt": the example has 600 tokens/);
    expect(workFolders().length).toBe(before);
  });

  it('fails when the sidecar exits 0 without reporting the model', async () => {
    const { trainer } = fakeTrainer('no-done');
    await expect(trainer.train({ checkpoint: 'b' }, ROWS, PAPER_SFT, join(tempDir(), 'x'))).rejects.toThrow('the Hugging Face sidecar (train) exited without reporting the trained model');
  });

  it('stops the sidecar when aborted and rejects with the reason, writing nothing', async () => {
    const { trainer, log } = fakeTrainer('slow');
    const out = join(tempDir(), 'x');
    const stop = new AbortController();
    const run = trainer.train({ checkpoint: 'b' }, ROWS, { ...PAPER_SFT, maxSteps: 500 }, out, { signal: stop.signal, onStep: (p) => p.step === 2 && stop.abort(new Error('Ctrl-C')) });
    await expect(run).rejects.toThrow('Ctrl-C');
    expect(readLog(log).some((r) => r.signal === 'SIGTERM')).toBe(true);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a base with an adapter and empty rows before starting anything', async () => {
    const { trainer, log } = fakeTrainer();
    await expect(trainer.train({ checkpoint: 'b', adapter: 'a' }, ROWS, PAPER_SFT, 'x')).rejects.toThrow(/field "base.adapter": the hf engine trains a checkpoint, not a checkpoint with an adapter/);
    await expect(trainer.train({ checkpoint: 'b' }, [], PAPER_SFT, 'x')).rejects.toThrow(/field "rows": no training rows/);
    expect(readLog(log)).toEqual([]);
  });
});
