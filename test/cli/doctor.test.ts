import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { kernelInfo } from '../../src/native/kernel-info.js';
import { VERSION } from '../../src/version.js';
import { captureStdio } from '../helpers/stdio.js';
import { HF_PYTHON, hfPythonAvailable, parityRequired } from '../helpers/hf-python.js';

const io = captureStdio();
const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));

describe('w2s doctor', () => {
  it('exits 0 without the sidecar, saying what its absence disables, and reports the rest (--json)', async () => {
    expect(await main(['node', 'w2s', 'doctor', '--python', '/nonexistent/python3', '--json'])).toBe(0);
    const report = JSON.parse(io.stdout);
    expect(report).toMatchObject({
      w2s: VERSION,
      node: process.version,
      kernels: kernelInfo(),
      hf_sidecar: { python: '/nonexistent/python3', ok: false, disables: expect.stringContaining('--engine hf') },
      node_llama_cpp: { installed: true, version: pkg.devDependencies['node-llama-cpp'] },
    });
    expect(report.hf_sidecar.error).toContain('/nonexistent/python3');
    expect(report.cache.w2s).toMatch(/w2s/);
  });

  it('prints one line per part as text', async () => {
    expect(await main(['node', 'w2s', 'doctor', '--python', '/nonexistent/python3'])).toBe(0);
    const lines = io.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`w2s ${VERSION}`);
    expect(lines[1]).toMatch(new RegExp(`^node ${process.version} on `));
    expect(lines[2]).toMatch(/^kernels: (native|portable) /);
    expect(lines[3]).toMatch(/^hf sidecar: missing \(disables --engine hf/);
    expect(lines[4]).toBe(`node-llama-cpp: installed (${pkg.devDependencies['node-llama-cpp']})`);
    expect(lines[5]).toMatch(/^cache: /);
  });

  it('names the caches it uses and where a hub token was found, never the token', async () => {
    const home = mkdtempSync(join(tmpdir(), 'w2s-doctor-'));
    try {
      writeFileSync(join(home, 'token'), 'hf_doctorSECRETtoken\n');
      vi.stubEnv('HF_TOKEN', '');
      vi.stubEnv('HF_TOKEN_PATH', '');
      vi.stubEnv('HF_HUB_CACHE', '');
      vi.stubEnv('HF_HOME', home);
      vi.stubEnv('W2S_CACHE', join(home, 'w2s-cache'));
      expect(await main(['node', 'w2s', 'doctor', '--python', '/nonexistent/python3', '--json'])).toBe(0);
      expect(JSON.parse(io.stdout).cache).toEqual({ w2s: join(home, 'w2s-cache'), hf_hub: join(home, 'hub'), hf_token: join(home, 'token') });
      expect(io.stdout).not.toContain('hf_doctorSECRETtoken');

      vi.stubEnv('HF_HOME', join(home, 'elsewhere'));
      io.stdout = '';
      expect(await main(['node', 'w2s', 'doctor', '--python', '/nonexistent/python3'])).toBe(0);
      expect(io.stdout).toContain(`hugging face hub cache: ${join(home, 'elsewhere', 'hub')} `);
      expect(io.stdout).toMatch(/^hugging face token: none /m);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it.skipIf(!hfPythonAvailable && !parityRequired)("reports the sidecar's Python, torch, transformers, peft, accelerate and CUDA", async () => {
    expect(await main(['node', 'w2s', 'doctor', '--python', HF_PYTHON, '--json'])).toBe(0);
    const { hf_sidecar } = JSON.parse(io.stdout);
    expect(hf_sidecar).toMatchObject({ python: HF_PYTHON, ok: true, info: { python: expect.any(String), torch: expect.any(String), transformers: expect.any(String), peft: expect.any(String), accelerate: expect.any(String), cuda: expect.any(Boolean) } });
  });
});
