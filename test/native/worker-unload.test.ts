// The addon in a JavaScript worker thread that ends: Node unloads the addons such a thread loaded, while the addon's
// own threads (the sgemm pool) and the destructors of its per-thread buffers outlive it. The process must go on and
// exit cleanly, not jump into an unmapped library.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNativeKernels } from '../../src/engine/kernels/native.js';

const native = loadNativeKernels().kernels !== null;

describe.skipIf(!native)('the native addon in a worker thread that ends', () => {
  it('leaves the process running and exiting with code 0 (the main thread never loads the addon)', () => {
    const kernels = pathToFileURL(resolve('dist/engine/kernels/index.js')).href;
    if (!existsSync(new URL(kernels))) throw new Error('dist/ is not built: run `npx tsc -p .` before this test');
    const worker = `
      const { getKernels } = await import(${JSON.stringify(kernels)});
      const k = getKernels();
      if (k.name !== 'native') throw new Error('not native: ' + k.name);
      const n = 384, a = new Float32Array(n * n).fill(0.5), c = new Float32Array(n * n);
      for (let i = 0; i < 3; i++) k.sgemm(false, true, n, n, n, 1, a, 0, n, a, 0, n, 0, c, 0, n);
      if (c[0] !== 96) throw new Error('sgemm gave ' + c[0]);`;
    const script = `
      import { Worker } from 'node:worker_threads';
      for (let round = 0; round < 3; round++) {
        const w = new Worker(${JSON.stringify(worker)}, { eval: true, type: 'module' });
        await new Promise((done, fail) => { w.on('error', fail); w.on('exit', done); });
      }
      // The workers are gone: the pool's threads and any thread exit must not touch an unloaded library.
      await new Promise((done) => setTimeout(done, 200));
      process.stdout.write('ok');`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, W2S_NUM_THREADS: '2' } });
    expect(result.stderr).toBe('');
    expect([result.status, result.signal, result.stdout]).toEqual([0, null, 'ok']);
  });
});
