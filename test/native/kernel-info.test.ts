import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNativeKernels } from '../../src/engine/kernels/native.js';
import { describeKernels, kernelInfo } from '../../src/native/kernel-info.js';
import { parseRunConfig } from '../../src/run/config.js';
import { openRunDir, readManifest } from '../../src/run/run-dir.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const native = loadNativeKernels();
const scratch = mkdtempSync(join(tmpdir(), 'w2s-kernel-info-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `w2s --version` of the compiled CLI (`npm run build` first), in a child with `env` added. */
function version(env: Record<string, string>) {
  const { W2S_KERNELS: _k, W2S_SIMD: _s, W2S_SGEMM: _g, ...rest } = process.env;
  return spawnSync(process.execPath, [join(ROOT, 'bin', 'w2s.js'), '--version'], { encoding: 'utf8', env: { ...rest, ...env } });
}

describe('kernelInfo', () => {
  it.skipIf(!native.kernels)('describes the native kernels this process runs: where the addon came from, its instruction set and sgemm', () => {
    const info = kernelInfo();
    const addon = native.kernels!.info();
    expect(info).toEqual({ native: true, source: native.kernels!.source, path: native.kernels!.path, isa: addon.isa, sgemm: addon.sgemm, threads: addon.threads });
    expect(existsSync(info.path!)).toBe(true);
    expect(addon.isas).toContain(info.isa);
  });

  it('describes each case in one line', () => {
    expect(describeKernels({ native: true, source: 'prebuilt', path: '/x', isa: 'avx2', sgemm: 'w2s', threads: 2 })).toBe('kernels: native (prebuilt), avx2, sgemm w2s, 2 threads');
    expect(describeKernels({ native: true, source: 'built', isa: 'neon', sgemm: 'openblas', threads: 1 })).toBe('kernels: native (built), neon, sgemm openblas, 1 thread');
    expect(describeKernels({ native: false, source: 'none', isa: 'wasm-simd', sgemm: 'wasm', threads: 1, reason: 'W2S_KERNELS=portable' })).toBe(
      'kernels: portable (wasm-simd, sgemm wasm): W2S_KERNELS=portable',
    );
  });

  it('is printed by w2s --version, following W2S_KERNELS and W2S_SIMD', () => {
    const plain = version({});
    expect(plain.status).toBe(0);
    const [first, second] = plain.stdout.trim().split('\n');
    expect(first).toMatch(/^\d+\.\d+\.\d+/);
    if (native.kernels) {
      expect(second).toMatch(/^kernels: native \((built|prebuilt)\), (avx512|avx2|neon|scalar), sgemm w2s, \d+ threads?$/);
      expect(version({ W2S_SIMD: 'scalar' }).stdout).toMatch(/kernels: native \((built|prebuilt)\), scalar, sgemm w2s/);
    }
    expect(version({ W2S_KERNELS: 'portable' }).stdout).toMatch(/kernels: portable \((wasm-simd|js), sgemm (wasm|js)\): W2S_KERNELS=portable\n$/);
  });

  it('is recorded in the manifest of a new run directory', () => {
    const config = parseRunConfig({ suite: 'quick' });
    const { dir } = openRunDir(config, '0.0.0-test', join(scratch, 'run'));
    expect(readManifest(dir)?.kernels).toEqual(kernelInfo());
  });
});
