import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// native/gemm.c and its kernels checked in C (test/native/gemm-check.c, which says what it checks), compiled here for
// this machine and, with a cross-compiler and qemu-user installed, for AArch64, whose NEON kernel no Node on this
// machine can load.
const repo = new URL('../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'w2s-gemm-check-'));
const sources = ['native/gemm.c', 'native/gemm_kernels.c', 'native/pool.c', 'test/native/gemm-check.c'].map((f) => join(repo, f));
const flags = ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', `-I${join(repo, 'native')}`];

const has = (command: string) => !spawnSync(command, ['--version']).error;

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function compile(cc: string, out: string): void {
  const build = spawnSync(cc, [...flags, ...sources, '-o', out, '-lm', '-pthread', '-ldl'], { encoding: 'utf8' });
  expect(build.stderr).toBe('');
  expect(build.status).toBe(0);
}

describe('native sgemm in C', () => {
  it.skipIf(!has('cc'))('passes on every instruction set this CPU has', () => {
    const exe = join(scratch, 'gemm-check');
    compile('cc', exe);
    const run = spawnSync(exe, { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ok scalar \d+$/);
    if (process.arch === 'x64') expect(lines.length).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(!has('aarch64-linux-gnu-gcc') || !has('qemu-aarch64'))('passes on AArch64 with the NEON kernel (under qemu-user)', () => {
    const exe = join(scratch, 'gemm-check-arm64');
    compile('aarch64-linux-gnu-gcc', exe);
    const run = spawnSync('qemu-aarch64', ['-L', '/usr/aarch64-linux-gnu', exe], { encoding: 'utf8', timeout: 300_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^ok scalar \d+$/), expect.stringMatching(/^ok neon \d+$/)]);
  }, 300_000);
});
