import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, systemError } from '../../src/cli/main.js';
import { captureStdio } from '../helpers/stdio.js';

const io = captureStdio();

describe('w2s CLI', () => {
  it('exits 2 on an unknown command', async () => {
    expect(await main(['node', 'w2s', 'no-such-command'])).toBe(2);
  });

  it('says in one line, without a stack, that --out is a file (exit 2), and writes nothing there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-main-'));
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, `${JSON.stringify({ id: 'q', variant: 0, prompt: 'p', output: 'o', answer: 'a' })}\n`);
    const out = join(dir, 'taken');
    writeFileSync(out, 'a file');
    expect(await main(['node', 'w2s', 'score', '--input', input, '--out', out])).toBe(2);
    const lines = io.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^w2s: cannot mkdir .*taken: it exists and is not a folder \(EEXIST\)$/);
    expect(io.stderr).not.toContain('internal error');
  });

  it('says which port is in use when w2s serve cannot listen (exit 2)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const error = await new Promise<Error>((resolve) => {
        const second = createServer();
        second.on('error', resolve);
        second.listen(port, '127.0.0.1');
      });
      expect(systemError(error)).toEqual({ message: `cannot listen 127.0.0.1:${port}: the address is in use (EADDRINUSE)`, exitCode: 2 });
    } finally {
      taken.close();
    }
  });

  it('leaves other errors to the internal-error path', () => {
    expect(systemError(new Error('boom'))).toBeUndefined();
    expect(systemError('text')).toBeUndefined();
  });
});

describe('w2s as a command in a pipe', () => {
  it('ends quietly with exit 0 when the reader has closed the pipe (`w2s label --help | head -c 5`)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'w2s.js'), 'label', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The reader is gone before the help is written, as `head` is once it has what it wanted.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});
