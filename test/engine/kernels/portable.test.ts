import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createJsBlockKernel } from '../../../src/engine/kernels/block-js.js';
import { createWasmBlockKernel } from '../../../src/engine/kernels/block-wasm.js';
import { createPortableKernels, portableKernels } from '../../../src/engine/kernels/portable.js';
import { sgemmContract } from './contract.js';

const wasm = createWasmBlockKernel();

describe('portable kernels', () => {
  it('use WebAssembly SIMD on Node 20 and later', () => {
    expect(wasm).not.toBeNull();
    expect(portableKernels.name).toBe('portable-wasm');
  });

  it('the committed WebAssembly is what native/sgemm_block.wat assembles to', () => {
    const check = spawnSync(process.execPath, [new URL('../../../scripts/build-wasm.mjs', import.meta.url).pathname, '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

if (wasm) sgemmContract(createPortableKernels(wasm));
sgemmContract(createPortableKernels(createJsBlockKernel()));
