import { badInput } from '../../errors.js';
import { loadAddon, NATIVE_ADDON_PATH, olderBuild, type AddonSource } from '../../native/addon.js';
import type { AttentionView } from '../layers/attention.js';
import type { Kernels } from './types.js';

export { NATIVE_ADDON_PATH } from '../../native/addon.js';

/** What the addon exports (native/w2s_kernels.c and native/ops.c). */
interface Addon {
  sgemm: Kernels['sgemm'];
  setThreads(threads: number): void;
  info(): NativeInfo;
  setIsa(isa: string): boolean;
  setSgemm(provider: string): string | null;
  rmsnormForward: Kernels['rmsnormForward'];
  rmsnormBackward: Kernels['rmsnormBackward'];
  swigluForward: Kernels['swigluForward'];
  swigluBackward: Kernels['swigluBackward'];
  rope(x: Float32Array, ld: number, col0: number, heads: number, hd: number, pos: Int32Array, N: number, cos: Float32Array, sin: Float32Array, inverse: boolean): void;
  crossEntropy: Kernels['crossEntropy'];
  attentionForward(
    out: Float32Array, q: Float32Array, qLd: number, k: Float32Array, kOff: number, kLd: number, kRows: number,
    v: Float32Array, vOff: number, B: number, Tq: number, past: number, Hq: number, Hkv: number, hd: number,
    padLeft: Int32Array | null, lse: Float32Array | null, scores: Float32Array, keep: boolean,
  ): void;
  attentionBackward(
    dqkv: Float32Array, datt: Float32Array, att: Float32Array, qkv: Float32Array, W: number, kOff: number, vOff: number,
    B: number, T: number, Hq: number, Hkv: number, hd: number, lse: Float32Array, probs: Float32Array, kept: boolean,
    dprobs: Float32Array,
  ): void;
  adamwUpdate: Kernels['adamwUpdate'];
  addSumSquares: Kernels['addSumSquares'];
  dropoutMask: Kernels['dropoutMask'];
  dropoutMasks: Kernels['dropoutMasks'];
  dropoutApply: Kernels['dropoutApply'];
}

/** The instruction sets native/gemm_kernels.c has sgemm kernels for. */
export const NATIVE_ISAS = ['scalar', 'avx2', 'avx512', 'neon'] as const;
export type NativeIsa = (typeof NATIVE_ISAS)[number];

/** Which sgemm the addon runs. */
export interface NativeInfo {
  /** The instruction set of the addon's own sgemm kernels (chosen at run time, or by W2S_SIMD). */
  isa: NativeIsa;
  /** The provider: the addon's own sgemm, or OpenBLAS loaded at run time (W2S_SGEMM=openblas). */
  sgemm: 'w2s' | 'openblas';
  /** Threads one product may use. */
  threads: number;
  /** The instruction sets this CPU can run kernels for. */
  isas: NativeIsa[];
  /** OpenBLAS's build and the core it tuned for, once it is loaded. */
  openblas: { config: string; core: string } | null;
}

/** The native kernels: the addon's own sgemm (or OpenBLAS) on the caller's arrays, the other loops in C. */
export interface NativeKernels extends Kernels {
  /** Sets how many threads one product uses (default: W2S_NUM_THREADS, else OPENBLAS_NUM_THREADS, else one per core). */
  setThreads(threads: number): void;
  /** The kernels that run, and the threads. */
  info(): NativeInfo;
  /** Runs sgemm on `isa`'s kernels from now on; false (nothing changes) where the CPU lacks it. */
  setIsa(isa: NativeIsa): boolean;
  /** Switches sgemm to the addon's own or to OpenBLAS (loaded now); returns null, or why OpenBLAS is unavailable. */
  setSgemm(provider: 'w2s' | 'openblas'): string | null;
  /** The addon's file, and whether it was built from source here or is the package's prebuilt binary. */
  readonly path: string;
  readonly source: AddonSource;
}

/** The environment variables that pick the native sgemm: an instruction set, and the provider. */
export const SIMD_ENV = 'W2S_SIMD';
export const SGEMM_ENV = 'W2S_SGEMM';

/**
 * Applies W2S_SIMD (scalar, avx2, avx512, neon) and W2S_SGEMM (w2s, openblas) to the native kernels. A value that
 * is unknown, or names what this machine lacks, is the user's configuration error (exit 2).
 */
export function configureNative(kernels: NativeKernels, env: NodeJS.ProcessEnv = process.env): void {
  const isa = env[SIMD_ENV]?.trim().toLowerCase();
  if (isa) {
    if (!(NATIVE_ISAS as readonly string[]).includes(isa)) {
      throw badInput(`unknown instruction set "${env[SIMD_ENV]}"; expected one of ${NATIVE_ISAS.join(', ')}`, { field: SIMD_ENV });
    }
    if (!kernels.setIsa(isa as NativeIsa)) {
      throw badInput(`this CPU cannot run the ${isa} kernels; it can run ${kernels.info().isas.join(', ')}`, { field: SIMD_ENV });
    }
  }
  const provider = env[SGEMM_ENV]?.trim().toLowerCase();
  if (provider) {
    if (provider !== 'w2s' && provider !== 'openblas') {
      throw badInput(`unknown sgemm "${env[SGEMM_ENV]}"; expected "w2s" or "openblas"`, { field: SGEMM_ENV });
    }
    const why = kernels.setSgemm(provider);
    if (why !== null) throw badInput(`OpenBLAS requested but unavailable: ${why}`, { field: SGEMM_ENV });
  }
}

/** The result of trying to load the addon: the kernels, or why there are none. */
export type NativeLoad = { kernels: NativeKernels; reason?: undefined } | { kernels: null; reason: string };

const loads = new Map<string, NativeLoad>();

/** Loads the native kernels once per path; never throws (a missing or broken addon is reported as `reason`). */
export function loadNativeKernels(path: string = NATIVE_ADDON_PATH): NativeLoad {
  let load = loads.get(path);
  if (!load) {
    load = tryLoad(path);
    loads.set(path, load);
  }
  return load;
}

/** The native backward pass reads q, k and v from one matrix, as the training workspace lays them out. */
function trainingLayout(a: AttentionView): boolean {
  return a.q === a.k && a.k === a.v && a.kLd === a.qLd && a.past === 0 && a.padLeft === null && a.kRows === a.Tq;
}

function tryLoad(path: string): NativeLoad {
  const load = loadAddon(path);
  if (load.addon === null) return { kernels: null, reason: load.reason };
  const addon = load.addon as unknown as Addon;
  // An addon from an older build lacks some exports; it must be rebuilt rather than half used.
  if (typeof addon.dropoutMasks !== 'function' || typeof addon.setIsa !== 'function') return { kernels: null, reason: olderBuild(load.path) };
  return {
    kernels: {
      name: 'native',
      path: load.path,
      source: load.source,
      sgemm: addon.sgemm,
      setThreads: addon.setThreads,
      info: addon.info,
      setIsa: addon.setIsa,
      setSgemm: addon.setSgemm,
      rmsnormForward: addon.rmsnormForward,
      rmsnormBackward: addon.rmsnormBackward,
      swigluForward: addon.swigluForward,
      swigluBackward: addon.swigluBackward,
      ropeForward: (x, ld, col0, heads, hd, pos, N, t) => addon.rope(x, ld, col0, heads, hd, pos, N, t.cos, t.sin, false),
      ropeBackward: (dx, ld, col0, heads, hd, pos, N, t) => addon.rope(dx, ld, col0, heads, hd, pos, N, t.cos, t.sin, true),
      crossEntropy: addon.crossEntropy,
      attentionForward: (out, a, lse, scores, keep) =>
        addon.attentionForward(out, a.q, a.qLd, a.k, a.kOff, a.kLd, a.kRows, a.v, a.vOff, a.B, a.Tq, a.past, a.Hq, a.Hkv, a.hd, a.padLeft, lse, scores, keep),
      attentionBackward: (dqkv, datt, att, a, lse, probs, kept, dprobs) => {
        if (!trainingLayout(a)) throw new RangeError('attentionBackward: the view is not the training layout (one qkv matrix, past 0, no padding)');
        addon.attentionBackward(dqkv, datt, att, a.q, a.qLd, a.kOff, a.vOff, a.B, a.Tq, a.Hq, a.Hkv, a.hd, lse, probs, kept, dprobs);
      },
      adamwUpdate: addon.adamwUpdate,
      addSumSquares: addon.addSumSquares,
      dropoutMask: addon.dropoutMask,
      dropoutMasks: addon.dropoutMasks,
      dropoutApply: addon.dropoutApply,
    },
  };
}
