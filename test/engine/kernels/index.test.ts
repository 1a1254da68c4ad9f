import { describe, expect, it } from 'vitest';
import { W2sError } from '../../../src/errors.js';
import { getKernels, selectKernels } from '../../../src/engine/kernels/index.js';
import { loadNativeKernels, type NativeLoad } from '../../../src/engine/kernels/native.js';
import { portableKernels } from '../../../src/engine/kernels/portable.js';

const present: NativeLoad = {
  kernels: {
    ...portableKernels,
    name: 'native',
    path: 'w2s_kernels.node',
    source: 'built',
    setThreads: () => {},
    info: () => ({ isa: 'scalar', sgemm: 'w2s', threads: 1, isas: ['scalar'], openblas: null }),
    setIsa: () => true,
    setSgemm: () => null,
  },
};
const absent: NativeLoad = { kernels: null, reason: 'build/native/w2s_kernels.node does not exist' };

describe('selectKernels', () => {
  it('prefers native when it loaded, else portable', () => {
    expect(selectKernels(undefined, present).name).toBe('native');
    expect(selectKernels('', absent)).toBe(portableKernels);
  });

  it('W2S_KERNELS=portable forces the portable kernels even when native is present', () => {
    expect(selectKernels('portable', present)).toBe(portableKernels);
  });

  it('W2S_KERNELS=native fails with exit code 2 and the reason when native is absent', () => {
    expect(selectKernels(' Native ', present).name).toBe('native');
    const error = (() => {
      try {
        selectKernels('native', absent);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as W2sError).message).toMatch(/W2S_KERNELS.*does not exist/);
  });

  it('an unknown W2S_KERNELS value is an error naming the variable', () => {
    expect(() => selectKernels('gpu', present)).toThrow(/W2S_KERNELS.*unknown kernels "gpu"/);
  });
});

describe('loadNativeKernels', () => {
  it('reports a missing addon as a reason, without throwing', () => {
    const load = loadNativeKernels('/nonexistent/w2s_kernels.node');
    expect(load.kernels).toBeNull();
    expect(load.reason).toMatch(/does not exist/);
  });

  it('reports an addon that fails to load as a reason, without throwing', () => {
    const load = loadNativeKernels(new URL('./index.test.ts', import.meta.url).pathname);
    expect(load.kernels).toBeNull();
    expect(load.reason).toMatch(/failed to load/);
  });
});

describe('getKernels', () => {
  it('follows W2S_KERNELS in this process', () => {
    const native = loadNativeKernels().kernels;
    expect(getKernels()).toBe(process.env.W2S_KERNELS === 'portable' || !native ? portableKernels : native);
  });
});
