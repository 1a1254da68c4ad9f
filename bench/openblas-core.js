// OpenBLAS built for many CPUs (DYNAMIC_ARCH, as Debian ships it) picks its kernels by CPU model when it loads; a
// release older than the CPU does not know the model and falls back to its oldest x86-64 kernels (core "Prescott":
// SSE3), about a fifth of what the CPU can do. A baseline that slow says nothing, for our sgemm or for PyTorch (whose
// products go through the same library), so unless OPENBLAS_CORETYPE is set already the benchmarks pin the core type
// of the best instruction set the CPU has. Called before anything in the process loads OpenBLAS; children inherit it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const nativeModule = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'engine', 'kernels', 'native.js')).href;

/** OpenBLAS core types whose kernels use each instruction set, and the one pinned when the detected core is none of them. */
const CORES = {
  avx512: { good: ['SkylakeX', 'Cooperlake', 'SapphireRapids'], pin: 'SkylakeX' },
  avx2: { good: ['Haswell', 'Zen', 'SkylakeX', 'Cooperlake', 'SapphireRapids'], pin: 'Haswell' },
};

/** Decided once per process: after a pin, the variable is set but was not the user's. */
let decision;

/**
 * Pins OPENBLAS_CORETYPE when OpenBLAS, left to itself, would run kernels older than the CPU's best instruction set.
 * Returns what was decided (for the results file), or null when there is no OpenBLAS, no x86 vector unit or the user
 * set the variable.
 */
export function pinOpenblasCore() {
  decision ??= decide();
  return decision.result;
}

function decide() {
  if (process.env.OPENBLAS_CORETYPE) return { result: null };
  // Asked in a child: once loaded in this process, OpenBLAS's choice is fixed.
  const probe = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { loadNativeKernels } = await import(${JSON.stringify(nativeModule)});
       const k = loadNativeKernels().kernels;
       if (k && k.setSgemm('openblas') === null) console.log(JSON.stringify({ isas: k.info().isas, core: k.info().openblas.core }));`,
    ],
    { encoding: 'utf8', env: { ...process.env, W2S_SGEMM: 'w2s' } },
  );
  if (probe.status !== 0 || probe.stdout.trim() === '') return { result: null };
  const { isas, core } = JSON.parse(probe.stdout);
  const isa = ['avx512', 'avx2'].find((name) => isas.includes(name));
  if (!isa) return { result: null };
  const { good, pin } = CORES[isa];
  if (good.includes(core)) return { result: { detected: core, pinned: null } };
  process.env.OPENBLAS_CORETYPE = pin;
  console.log(`OpenBLAS detects core ${core} on this ${isa} CPU; pinned OPENBLAS_CORETYPE=${pin} for OpenBLAS, numpy and PyTorch`);
  return { result: { detected: core, pinned: pin } };
}
