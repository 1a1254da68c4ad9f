// Which kernels this process runs, for `w2s --version`, `w2s doctor` and the manifest of every run, train and label:
// a reader of results can tell a run on the native addon (and which instruction set and sgemm) from one on the
// portable kernels.
import { getKernels } from '../engine/kernels/index.js';
import { loadNativeKernels, type NativeKernels } from '../engine/kernels/native.js';
import { portableKernels } from '../engine/kernels/portable.js';

export interface KernelInfo {
  /** Whether the engine runs the native addon's kernels. */
  native: boolean;
  /** Where the addon came from: the package's prebuilt binary, a build from source, or none in use. */
  source: 'prebuilt' | 'built' | 'none';
  /** The addon's file, when it is in use. */
  path?: string;
  /** The instruction set of the matrix product: the addon's kernel, or WebAssembly SIMD / TypeScript when portable. */
  isa: 'avx512' | 'avx2' | 'neon' | 'scalar' | 'wasm-simd' | 'js';
  /** Who runs sgemm: the addon's own, OpenBLAS (through the addon), or the portable kernels' WebAssembly or TypeScript. */
  sgemm: 'w2s' | 'openblas' | 'wasm' | 'js';
  /** Threads one matrix product may use (1 for the portable kernels). */
  threads: number;
  /** Why the native kernels are not in use (absent addon, W2S_KERNELS=portable, a bad W2S_SIMD ...). */
  reason?: string;
}

/** The kernels getKernels() picks for this process, described; never throws (a configuration error is the reason). */
export function kernelInfo(): KernelInfo {
  let kernels;
  let error: string | undefined;
  try {
    kernels = getKernels();
  } catch (e) {
    error = (e as Error).message;
  }
  if (kernels && kernels.name === 'native') {
    const native = kernels as NativeKernels;
    const info = native.info();
    return { native: true, source: native.source === 'prebuilt' ? 'prebuilt' : 'built', path: native.path, isa: info.isa, sgemm: info.sgemm, threads: info.threads };
  }
  const wasm = (kernels ?? portableKernels).name === 'portable-wasm';
  const load = loadNativeKernels();
  const reason = error ?? (load.kernels ? 'W2S_KERNELS=portable' : load.reason);
  return { native: false, source: 'none', isa: wasm ? 'wasm-simd' : 'js', sgemm: wasm ? 'wasm' : 'js', threads: 1, ...(reason ? { reason } : {}) };
}

/** One line for `w2s --version`: e.g. "kernels: native (prebuilt), avx512, sgemm w2s, 2 threads". */
export function describeKernels(info: KernelInfo = kernelInfo()): string {
  if (info.native) {
    return `kernels: native (${info.source}), ${info.isa}, sgemm ${info.sgemm}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  }
  return `kernels: portable (${info.isa}, sgemm ${info.sgemm})${info.reason ? `: ${info.reason}` : ''}`;
}
