#!/usr/bin/env node
// Builds the native kernels (the C files of native/, over OpenBLAS) into build/native/w2s_kernels.node.
// Run at install. It never fails the install: without a C compiler, Node-API headers or OpenBLAS it prints one line
// and the engine uses the portable kernels. Environment: CC (compiler, default cc), W2S_BLAS_CFLAGS and
// W2S_BLAS_LIBS (extra flags for a BLAS in a non-standard place), W2S_SKIP_NATIVE=1 (do not build).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const sources = readdirSync(nativeDir).filter((f) => f.endsWith('.c')).sort().map((f) => join(nativeDir, f));
const outDir = join(root, 'build', 'native');
const target = join(outDir, 'w2s_kernels.node');

function skip(reason) {
  // A build left from an earlier install would contradict this message.
  rmSync(target, { force: true });
  console.log(`w2s: native kernels not built (${reason}); the portable kernels will be used.`);
  process.exit(0);
}

function nodeHeaders() {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

/** Where distributions put OpenBLAS's cblas.h when it is not on the compiler's default path. */
function blasIncludes() {
  return ['/usr/include/openblas', '/usr/local/include/openblas', '/opt/homebrew/opt/openblas/include', '/usr/local/opt/openblas/include']
    .filter((dir) => existsSync(join(dir, 'cblas.h')))
    .map((dir) => `-I${dir}`);
}

function blasLibDirs() {
  return ['/opt/homebrew/opt/openblas/lib', '/usr/local/opt/openblas/lib'].filter(existsSync).map((dir) => `-L${dir}`);
}

function splitFlags(value) {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

/** Loads the fresh build in a child process and multiplies a 2 x 2 pair, so a broken library is caught now. */
function smokeTest(file) {
  const probe = `
    const m = require(${JSON.stringify(file)});
    const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]), c = new Float32Array(4);
    m.sgemm(false, false, 2, 2, 2, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2);
    if (c.join() !== '19,22,43,50') throw new Error('wrong product ' + c.join());`;
  const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  return run.status === 0 ? null : (run.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? `exit ${run.status}`);
}

if (process.env.W2S_SKIP_NATIVE === '1') skip('W2S_SKIP_NATIVE=1');
if (process.platform === 'win32') skip('Windows builds are not supported');
const headers = nodeHeaders();
if (!headers) skip('Node-API headers (node_api.h) not found');

const cc = process.env.CC || 'cc';
// The extension must stay .node for require() to load it as an addon.
const tmp = join(outDir, `w2s_kernels.tmp-${process.pid}.node`);
// -fno-trapping-math and -fno-math-errno let the loops with comparisons (exp clamps, softmax) and square roots
// vectorise, as nothing here reads FP flags or errno;
// -ffp-contract=fast lets them use FMA (c11 mode turns contraction off otherwise).
// Instruction sets beyond the baseline come only through the run-time dispatch of native/simd.h.
const args = [
  '-O3', '-fno-trapping-math', '-fno-math-errno', '-ffp-contract=fast', '-std=c11', '-fPIC', '-shared', '-Wall', '-Wextra',
  `-I${headers}`, ...blasIncludes(), ...splitFlags(process.env.W2S_BLAS_CFLAGS),
  ...sources, '-o', tmp,
  ...blasLibDirs(), ...splitFlags(process.env.W2S_BLAS_LIBS), '-lopenblas', '-lm', '-pthread',
  ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []),
];
mkdirSync(outDir, { recursive: true });
const build = spawnSync(cc, args, { encoding: 'utf8' });
if (build.error) skip(`${cc}: ${build.error.code === 'ENOENT' ? 'no C compiler' : build.error.message}`);
if (build.status !== 0) {
  rmSync(tmp, { force: true });
  const firstError = build.stderr.split('\n').find((line) => /error|cannot find/i.test(line)) ?? `${cc} exited ${build.status}`;
  skip(firstError.trim());
}
const failure = smokeTest(tmp);
if (failure) {
  rmSync(tmp, { force: true });
  skip(`the built addon does not work: ${failure}`);
}
renameSync(tmp, target);
console.log(`w2s: native kernels built (${target.slice(root.length + 1)}).`);
