// Loading the native addon (native/*.c, built at install by scripts/build-native.mjs). Its users keep working without
// it: the engine falls back to its portable kernels, `w2s score` to the TypeScript line scanner.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon built by scripts/build-native.mjs; the same relative path holds from src/ and from dist/. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../build/native/w2s_kernels.node', import.meta.url));

/** The addon's exports, or why it could not be loaded. */
export type AddonLoad = { addon: Record<string, unknown>; reason?: undefined } | { addon: null; reason: string };

const loads = new Map<string, AddonLoad>();

/** Loads the addon once per path; never throws (a missing or broken addon is reported as `reason`). */
export function loadAddon(path: string = NATIVE_ADDON_PATH): AddonLoad {
  let load = loads.get(path);
  if (!load) {
    load = tryLoad(path);
    loads.set(path, load);
  }
  return load;
}

function tryLoad(path: string): AddonLoad {
  if (!existsSync(path)) return { addon: null, reason: `${path} does not exist (run: node scripts/build-native.mjs)` };
  try {
    return { addon: createRequire(import.meta.url)(path) as Record<string, unknown> };
  } catch (error) {
    return { addon: null, reason: `${path} failed to load: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** The reason to give when an addon lacks an export: it is from an older build. */
export function olderBuild(path: string): string {
  return `${path} is from an older build (run: node scripts/build-native.mjs)`;
}
