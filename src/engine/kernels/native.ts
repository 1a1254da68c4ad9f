import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Kernels } from './types.js';

/** The addon built by scripts/build-native.mjs; the same relative path holds from src/ and from dist/. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../../build/native/w2s_kernels.node', import.meta.url));

/** What the addon exports (native/w2s_kernels.c). */
interface Addon {
  sgemm: Kernels['sgemm'];
  setThreads(threads: number): void;
  info(): { config: string; core: string; threads: number };
}

/** The native kernels: sgemm by OpenBLAS on the caller's arrays, plus control of OpenBLAS's threads. */
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

function tryLoad(path: string): NativeLoad {
  if (!existsSync(path)) return { kernels: null, reason: `${path} does not exist (run: node scripts/build-native.mjs)` };
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (error) {
    return { kernels: null, reason: `${path} failed to load: ${(error as Error).message.split('\n')[0]}` };
  }
  return {
    kernels: {
      name: 'native',
      sgemm: addon.sgemm,
      setThreads: addon.setThreads,
      info: addon.info,
    },
  };
}
