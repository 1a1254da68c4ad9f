import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { SftRow } from '../../src/core/types.js';
import { FAKE_PYTHON, readLog } from '../backends/hf/helpers.js';
import { trainTinyLm } from '../engine/tiny-lm.js';
import { captureStdio } from '../helpers/stdio.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'w2s-train-cli-'));
const ROWS: SftRow[] = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, prompt: i % 2 ? 'red orange' : 'one two', completion: i % 2 ? ' yellow .' : ' three .', weight: i % 4 === 0 ? 0.2 : 1 }));

let checkpoint: string;
let rows: string;
beforeAll(async () => {
  checkpoint = await trainTinyLm(dir());
  rows = join(dir(), 'rows.jsonl');
  writeFileSync(rows, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
});

const io = captureStdio();

const w2s = (...args: string[]): Promise<number> => main(['node', 'w2s', 'train', ...args]);

/** Names in the folder that holds `out`, other than `out` itself: staging leftovers. */
function leftovers(out: string): string[] {
  const parent = join(out, '..');
  return readdirSync(parent).filter((n) => n !== out.split('/').pop());
}

describe('w2s train (builtin engine, in process)', () => {
  it("trains a LoRA adapter with the paper's defaults into --out, with train.json beside it", async () => {
    const out = join(dir(), 'adapter');
    expect(await w2s('--base', checkpoint, '--rows', rows, '--out', out, '--learning-rate', '1e-2', '--batch-size', '4', '--epochs', '1')).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'train.json']);
    expect(leftovers(out)).toEqual([]);
    const record = JSON.parse(readFileSync(join(out, 'train.json'), 'utf8'));
    expect(record).toMatchObject({
      engine: 'builtin',
      base: { given: checkpoint, model: checkpoint },
      rows: { file: rows, count: 10 },
      model: { checkpoint, adapter: out },
      settings: { learning_rate: 1e-2, batch_size: 4, epochs: 1, schedule: 'linear', warmup_steps: 0, seed: 0, max_steps: null, lora: { r: 16, alpha: 32, dropout: 0.05, target_modules: ['q_proj', 'v_proj'] } },
      steps: 3,
    });
    expect(record.losses).toHaveLength(3);
    expect(record.seconds).toBeGreaterThan(0);
    expect(record.hf).toBeUndefined();
    expect(io.stdout).toMatch(new RegExp(`trained ${checkpoint} on 10 rows with the builtin engine: 3 steps, loss \\d\\.\\d{4} -> \\d\\.\\d{4}`));
    expect(io.stdout).toMatch(`wrote ${out}: a LoRA adapter on ${checkpoint}, with train.json`);
    const adapter = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(adapter).toMatchObject({ r: 16, lora_alpha: 32, base_model_name_or_path: checkpoint });
  });

  it('trains every weight with --full, and replaces a non-empty --out only with --overwrite', async () => {
    const out = join(dir(), 'full');
    mkdirSync(out);
    writeFileSync(join(out, 'old.txt'), 'old');
    const args = ['--base', checkpoint, '--rows', rows, '--out', out, '--full', '--max-steps', '2', '--learning-rate', '1e-3'];
    expect(await w2s(...args)).toBe(2);
    expect(io.stderr).toMatch(`${out}, field "--out": the folder exists and is not empty; choose another or pass --overwrite`);
    expect(await w2s(...args, '--overwrite')).toBe(0);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'train.json']));
    expect(existsSync(join(out, 'old.txt'))).toBe(false);
    expect(leftovers(out)).toEqual([]);
    expect(JSON.parse(readFileSync(join(out, 'train.json'), 'utf8'))).toMatchObject({ model: { checkpoint: out }, steps: 2, settings: { lora: null, max_steps: 2 } });
  });

  it.each([
    ['a row without a weight', (r: string) => ['--rows', r], '{"id":"a","prompt":"p","completion":"c"}', /rows-bad\.jsonl, line 2, field "weight": expected a finite number >= 0, missing/],
    ['a row that is not JSON', (r: string) => ['--rows', r], '{"id":', /rows-bad\.jsonl, line 2: not valid JSON/],
  ])('exits 2 naming file, line and field on %s, writing nothing', async (_case, args, line, message) => {
    const bad = join(dir(), 'rows-bad.jsonl');
    writeFileSync(bad, `${JSON.stringify(ROWS[0])}\n${line}\n`);
    const out = join(dir(), 'never');
    expect(await w2s('--base', checkpoint, '--out', out, ...args(bad))).toBe(2);
    expect(io.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [['--full', '--lora-r', '8'], /field "--lora-r": --lora-r is a LoRA setting; --full trains every weight/],
    [['--lora-targets', 'q_proj,mlp'], /field "--lora-targets": unknown module "mlp"; expected some of q_proj/],
    [['--accelerate', 'multi-gpu'], /field "--accelerate": --accelerate is an option of --engine hf/],
    [['--python', '/usr/bin/python3'], /field "--python": --python is an option of --engine hf/],
    [['--chat-template'], /field "--chat-template": --chat-template is an option of --engine hf/],
    [['--precision', 'bf16'], /field "--precision": the builtin engine trains in fp32/],
    [['--schedule', 'step'], /invalid --schedule/],
    [['--batch-size', '0'], /invalid --batch-size/],
    [['--engine', 'torch'], /invalid --engine/],
  ])('exits 2 on bad flags %j', async (extra, message) => {
    const out = join(dir(), 'never');
    expect(await w2s('--base', checkpoint, '--rows', rows, '--out', out, ...extra)).toBe(2);
    expect(io.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a hub id with the builtin engine, --out equal to --base, and a missing rows file', async () => {
    expect(await w2s('--base', 'llama2-7b', '--rows', rows, '--out', join(dir(), 'x'))).toBe(2);
    expect(io.stderr).toMatch(/field "--base": the builtin engine trains a checkpoint folder; for hub ids and presets use --engine hf/);
    expect(await w2s('--base', checkpoint, '--rows', rows, '--out', checkpoint, '--overwrite')).toBe(2);
    expect(io.stderr).toMatch(/field "--out": --out is the base model/);
    expect(await w2s('--base', checkpoint, '--rows', '/no/rows.jsonl', '--out', join(dir(), 'x'))).toBe(2);
    expect(io.stderr).toMatch(/\/no\/rows\.jsonl: no such file/);
  });
});

describe('w2s train --help', () => {
  it("names the paper's defaults, the model presets with their hub ids, and the paper's four pairs", async () => {
    expect(await w2s('--help')).toBe(0);
    expect(io.stdout).toMatch(/Defaults are the paper's \(App\. C\)/);
    expect(io.stdout).toMatch(/^ {2}mistral-7b {2}mistralai\/Mistral-7B-v0\.1$/m);
    expect(io.stdout).toContain("The paper's pairs (weak -> strong): llama2-7b -> llama2-13b, llama2-7b -> mistral-7b, llama2-7b -> llama3-8b, mistral-7b -> llama3-8b.");
  });
});

describe('w2s train --engine hf (fake sidecar, in process)', () => {
  it('hands the settings to the sidecar and records its report in train.json', async () => {
    const out = join(dir(), 'hf-adapter');
    const log = join(dir(), 'log.jsonl');
    vi.stubEnv('FAKE_LOG', log);
    try {
      const code = await w2s('--engine', 'hf', '--python', FAKE_PYTHON, '--base', 'llama3-8b', '--rows', rows, '--out', out, '--micro-batch-size', '2', '--accelerate', 'single-gpu', '--gradient-checkpointing');
      expect(code).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    const request = readLog(log).find((r) => r.request !== undefined)!.request;
    expect(request).toMatchObject({ base: 'meta-llama/Meta-Llama-3-8B', batch_size: 24, micro_batch_size: 2, epochs: 3, learning_rate: 5e-5, gradient_checkpointing: true, precision: 'auto' });
    const record = JSON.parse(readFileSync(join(out, 'train.json'), 'utf8'));
    expect(record).toMatchObject({
      engine: 'hf',
      base: { given: 'llama3-8b', model: 'meta-llama/Meta-Llama-3-8B' },
      model: { checkpoint: 'meta-llama/Meta-Llama-3-8B', adapter: out },
      hf: { precision: 'auto', accelerate: 'single-gpu', gradient_checkpointing: true, device: 'cpu', precision_used: 'fp32', processes: 1, trainable_parameters: 1234 },
      steps: 3,
      losses: [2, 1, 2 / 3],
    });
    expect(leftovers(out)).toEqual([]);
  });

  it('renders with the chat template for an instruct preset, or when --chat-template says so, and records it', async () => {
    const run = async (...extra: string[]): Promise<{ request: unknown; record: unknown }> => {
      const out = join(dir(), 'hf-chat');
      const log = join(dir(), 'log.jsonl');
      vi.stubEnv('FAKE_LOG', log);
      try {
        expect(await w2s('--engine', 'hf', '--python', FAKE_PYTHON, '--rows', rows, '--out', out, ...extra)).toBe(0);
      } finally {
        vi.unstubAllEnvs();
      }
      return { request: readLog(log).find((r) => r.request !== undefined)!.request, record: JSON.parse(readFileSync(join(out, 'train.json'), 'utf8')) };
    };
    const instruct = await run('--base', 'llama3.1-8b-instruct');
    expect(instruct.request).toMatchObject({ base: 'meta-llama/Llama-3.1-8B-Instruct', chat_template: true });
    expect(instruct.record).toMatchObject({ hf: { chat_template: true } });
    const base = await run('--base', 'llama3.1-8b');
    expect(base.request).toMatchObject({ chat_template: false });
    expect(base.record).toMatchObject({ hf: { chat_template: false } });
    const told = await run('--base', 'llama3.1-8b', '--chat-template');
    expect(told.request).toMatchObject({ chat_template: true });
    expect(told.record).toMatchObject({ hf: { chat_template: true } });
  });
});

// The compiled CLI in a child process, as a user runs it (`npx tsc -p .` first): the builtin engine trains in a worker
// thread there, so Ctrl-C reaches the command while it trains.
describe('w2s train (child process)', () => {
  it('stops at SIGINT with exit code 1, leaving neither --out nor a staging folder', async () => {
    if (!existsSync('dist/cli/commands/train.js')) throw new Error('dist/ is not built: run `npx tsc -p .` before this test');
    const out = join(dir(), 'interrupted');
    const child = spawn(process.execPath, ['bin/w2s.js', 'train', '--base', checkpoint, '--rows', rows, '--out', out, '--batch-size', '1', '--max-steps', '100000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    while (!output.includes('training (builtin engine)')) await new Promise((wake) => setTimeout(wake, 20));
    child.kill('SIGINT');
    expect(await done).toBe(1);
    expect(output).toMatch(`w2s: stopped; nothing was written to ${out}`);
    expect(existsSync(out)).toBe(false);
    expect(leftovers(out)).toEqual([]);
  });
});
