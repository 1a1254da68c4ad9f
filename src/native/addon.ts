// Loading the native addon (native/*.c). Its users keep working without it: the engine falls back to its portable
// kernels, `w2s score` to the TypeScript line scanner. Two builds can be present: the one built from source by
// scripts/build-native.mjs (a checkout, or an install where the prebuilt binary did not work), and the prebuilt binary
// that ships in the npm package for this platform (prebuilds/<platform>-<arch>/); the first is preferred because it
// exists only when it was made on purpose.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon built from source; the same relative path holds from src/ and from dist/. Passed to loadAddon (or left
 * out), it stands for the search: this build, else the prebuilt binary. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../build/native/w2s_kernels.node', import.meta.url));

/** The binary shipped in the package for this platform and architecture (made by `npm pack`'s prepack script). */
export const PREBUILT_ADDON_PATH = fileURLToPath(
  new URL(`../../prebuilds/${process.platform}-${process.arch}/w2s_kernels.node`, import.meta.url),
);

/** Where a loaded addon came from: built from source, the package's prebuilt binary, or a path the caller named. */
export type AddonSource = 'built' | 'prebuilt' | 'path';

/** The addon's exports and where they came from, or why it could not be loaded. */
export type AddonLoad =
  | { addon: Record<string, unknown>; path: string; source: AddonSource; reason?: undefined }
  | { addon: null; reason: string; path?: undefined; source?: undefined };

const loads = new Map<string, AddonLoad>();

/**
 * Loads the addon once per path; never throws (a missing or broken addon is reported as `reason`). The default path
 * searches the from-source build, then the prebuilt binary, skipping one that does not load or is from older sources.
 */
export function loadAddon(path: string = NATIVE_ADDON_PATH): AddonLoad {
  let load = loads.get(path);
  if (!load) {
    load = path === NATIVE_ADDON_PATH ? search() : tryLoad(path, 'path');
    loads.set(path, load);
  }
  return load;
}

function search(): AddonLoad {
  const reasons: string[] = [];
  for (const [path, source] of [[NATIVE_ADDON_PATH, 'built'], [PREBUILT_ADDON_PATH, 'prebuilt']] as const) {
    const load = tryLoad(path, source);
    if (load.addon === null) {
      reasons.push(load.reason);
    } else if (typeof load.addon.setIsa !== 'function') {
      // setIsa arrived with the addon's own sgemm: a build without it is from older sources.
      reasons.push(olderBuild(path));
    } else {
      return load;
    }
  }
  return { addon: null, reason: reasons.join('; ') };
}

function tryLoad(path: string, source: AddonSource): AddonLoad {
  if (!existsSync(path)) return { addon: null, reason: `${path} does not exist (run: node scripts/build-native.mjs)` };
  try {
    return { addon: createRequire(import.meta.url)(path) as Record<string, unknown>, path, source };
  } catch (error) {
    return { addon: null, reason: `${path} failed to load: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** The reason to give when an addon lacks an export: it is from an older build. */
export function olderBuild(path: string): string {
  return `${path} is from an older build (run: node scripts/build-native.mjs)`;
}
