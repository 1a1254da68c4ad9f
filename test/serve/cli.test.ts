import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateTexts, loadModel } from '../../src/backends/builtin.js';
import { main } from '../../src/cli/main.js';
import { trainTinyLm } from '../engine/tiny-lm.js';

describe('w2s serve (the command)', () => {
  beforeEach(() => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('serves a checkpoint until SIGINT, then exits 0', async () => {
    if (!existsSync('dist/cli/commands/serve.js')) throw new Error('dist/ is not built: run `npx tsc -p .` before this test');
    const checkpoint = await trainTinyLm(mkdtempSync(join(tmpdir(), 'w2s-serve-cli-')));
    const child = spawn(process.execPath, ['bin/w2s.js', 'serve', '--model', checkpoint, '--port', '0', '--batch-size', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const baseUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /serving model at (http:\/\/127\.0\.0\.1:\d+\/v1) \(batches of up to 4\)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      void exited.then(() => reject(new Error(`w2s serve exited early:\n${output}`)));
    });
    try {
      const client = new OpenAI({ baseURL: baseUrl, apiKey: 'unused', maxRetries: 0 });
      expect((await client.models.list()).data.map((m) => m.id)).toEqual(['model']);
      const response = await client.completions.create({ model: 'model', prompt: 'cat', max_tokens: 10, temperature: 0 });
      expect(response.choices[0]!.text).toBe((await generateTexts(loadModel({ checkpoint }), ['cat'], { temperature: 0, maxTokens: 10, stop: [] }))[0]);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('exits 2 naming the file when the checkpoint is missing', async () => {
    const missing = join(tmpdir(), 'w2s-no-such-checkpoint');
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    expect(await main(['node', 'w2s', 'serve', '--model', missing, '--port', '0'])).toBe(2);
    expect(stderr).toContain(join(missing, 'config.json'));
  });
});
