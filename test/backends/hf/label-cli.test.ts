import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { FAKE_PYTHON, readLog, tempDir } from './helpers.js';
import { captureStdio } from '../../helpers/stdio.js';

const ETHICS_VAL = 'fixtures/ethics/hf/commonsense/validation.jsonl';

const io = captureStdio();

const label = (...args: string[]): Promise<number> =>
  main(['node', 'w2s', 'label', '--task', 'ethics', '--split', 'test', '--data', ETHICS_VAL, '--limit', '2', '--out', tempDir(), ...args]);

describe('w2s label --backend hf (fake sidecar)', () => {
  it('runs one generate sidecar for a preset with its adapter, the concurrency as its batch size', async () => {
    const log = join(tempDir(), 'log.jsonl');
    vi.stubEnv('FAKE_LOG', log);
    const adapter = tempDir();
    expect(await label('--backend', 'hf', '--python', FAKE_PYTHON, '--model', 'llama2-7b', '--adapter', adapter, '--concurrency', '8', '--max-tokens', '12')).toBe(0);
    expect(io.stdout).toMatch(`ethics test: 2 questions x 2 variations with hf model llama2-7b: 2 complete, 0 with failures`);
    const records = readLog(log);
    const generate = records.filter((r) => (r.argv as string[] | undefined)?.includes('generate'));
    expect(generate).toHaveLength(1);
    expect(generate[0]!.argv).toEqual(['-m', 'w2s_hf', 'generate', '--model', 'meta-llama/Llama-2-7b-hf', '--batch-size', '8', '--precision', 'auto', '--adapter', adapter]);
    const requests = records.filter((r) => r.generateRequest !== undefined).map((r) => r.generateRequest as { prompt: string; max_tokens: number; stop: string[] });
    expect(requests).toHaveLength(4);
    expect(requests.every((r) => r.max_tokens === 12 && r.stop.join() === '###')).toBe(true);
  });

  it('asks the sidecar for the chat template for an instruct preset or --chat-template, and records it in the manifest', async () => {
    const argvOf = async (...extra: string[]): Promise<{ argv: unknown; manifest: { backend: Record<string, unknown> } }> => {
      const log = join(tempDir(), 'log.jsonl');
      vi.stubEnv('FAKE_LOG', log);
      const out = tempDir();
      expect(await main(['node', 'w2s', 'label', '--task', 'ethics', '--split', 'test', '--data', ETHICS_VAL, '--limit', '1', '--out', out, '--backend', 'hf', '--python', FAKE_PYTHON, ...extra])).toBe(0);
      const argv = readLog(log).find((r) => (r.argv as string[] | undefined)?.includes('generate'))!.argv;
      return { argv, manifest: JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) };
    };
    const instruct = await argvOf('--model', 'qwen2.5-7b-instruct');
    expect(instruct.argv).toEqual(['-m', 'w2s_hf', 'generate', '--model', 'Qwen/Qwen2.5-7B-Instruct', '--batch-size', '16', '--precision', 'auto', '--chat-template']);
    expect(instruct.manifest.backend).toMatchObject({ backend: 'hf', model: 'qwen2.5-7b-instruct', chatTemplate: true });
    const base = await argvOf('--model', 'qwen2.5-7b');
    expect(base.argv).not.toContain('--chat-template');
    expect(base.manifest.backend).toMatchObject({ chatTemplate: false });
    const told = await argvOf('--model', 'qwen2.5-7b', '--chat-template');
    expect(told.argv).toContain('--chat-template');
    expect(told.manifest.backend).toMatchObject({ chatTemplate: true });
  });

  it('exits 2 when --chat-template is given to a backend other than hf', async () => {
    expect(await label('--backend', 'builtin', '--model', tempDir(), '--chat-template')).toBe(2);
    expect(io.stderr).toMatch(/field "--chat-template": --chat-template is for --backend hf/);
  });

  it('exits 2 when --adapter is given to a backend that loads none', async () => {
    expect(await label('--backend', 'openai', '--model', 'm', '--base-url', 'http://127.0.0.1:9', '--adapter', tempDir())).toBe(2);
    expect(io.stderr).toMatch(/field "--adapter": --adapter is for the builtin and hf backends, not openai/);
  });

  it('writes the outputs the sidecar answered into answers.jsonl', async () => {
    const out = tempDir();
    expect(await main(['node', 'w2s', 'label', '--task', 'ethics', '--split', 'test', '--data', ETHICS_VAL, '--limit', '1', '--out', out, '--backend', 'hf', '--python', FAKE_PYTHON, '--model', 'm'])).toBe(0);
    const answers = readFileSync(join(out, 'answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; output: string });
    expect(answers.map((a) => a.output)).toEqual(answers.map((a) => `echo:${a.prompt}`.slice(0, 128).split('###')[0]));
  });
});
