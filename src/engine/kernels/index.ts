import { badInput } from '../../errors.js';
import { configureNative, loadNativeKernels, type NativeLoad } from './native.js';
import { portableKernels } from './portable.js';
import type { Kernels } from './types.js';

export type { Kernels } from './types.js';

/** The environment variable that forces one implementation: `native` or `portable`. */
export const KERNELS_ENV = 'W2S_KERNELS';

/**
 * Picks the kernels: `choice` (the value of W2S_KERNELS) forces one, otherwise native when it loaded, else portable.
 * Forcing native when it is absent is the user's configuration error (exit 2), with the reason it is absent.
 */
export function selectKernels(choice: string | undefined, native: NativeLoad): Kernels {
  const wanted = choice?.trim().toLowerCase() ?? '';
  if (wanted === 'portable') return portableKernels;
  if (wanted === 'native') {
    if (native.kernels) return native.kernels;
    throw badInput(`native kernels requested but unavailable: ${native.reason}`, { field: KERNELS_ENV });
  }
  if (wanted !== '') {
    throw badInput(`unknown kernels "${choice}"; expected "native" or "portable"`, { field: KERNELS_ENV });
  }
  return native.kernels ?? portableKernels;
}

let chosen: Kernels | undefined;

/**
 * The kernels for this process (decided once, from W2S_KERNELS and whether the native addon loads; the native ones
 * with W2S_SIMD and W2S_SGEMM applied).
 */
export function getKernels(): Kernels {
  if (!chosen) {
    const native = loadNativeKernels();
    const kernels = selectKernels(process.env[KERNELS_ENV], native);
    if (kernels === native.kernels) configureNative(native.kernels);
    chosen = kernels;
  }
  return chosen;
}
