import { loadAddon, NATIVE_ADDON_PATH, olderBuild } from '../../native/addon.js';
import type { AttentionView } from '../layers/attention.js';
import type { Kernels } from './types.js';

export { NATIVE_ADDON_PATH } from '../../native/addon.js';

/** What the addon exports (native/w2s_kernels.c and native/ops.c). */
interface Addon {
  sgemm: Kernels['sgemm'];
  setThreads(threads: number): void;
  info(): { config: string; core: string; threads: number };
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
}

/** The native kernels: sgemm by OpenBLAS on the caller's arrays, the other loops in C, and OpenBLAS's threads. */
export interface NativeKernels extends Kernels {
  /** Sets how many threads OpenBLAS uses (default: OPENBLAS_NUM_THREADS, else one per core). */
  setThreads(threads: number): void;
  /** The OpenBLAS build, the CPU core it tuned for, and its current thread count. */
  info(): { config: string; core: string; threads: number };
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
  // An addon from an older build has only sgemm; it must be rebuilt rather than half used.
  if (typeof addon.adamwUpdate !== 'function') return { kernels: null, reason: olderBuild(path) };
  return {
    kernels: {
      name: 'native',
      sgemm: addon.sgemm,
      setThreads: addon.setThreads,
      info: addon.info,
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
    },
  };
}
