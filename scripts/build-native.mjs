#!/usr/bin/env node
// Builds the native kernels (the C files of native/; no BLAS needed) into build/native/w2s_kernels.node.
// Modes:
//   (none)         build from source for this machine.
//   --if-needed    the install script: keep the prebuilt binary shipped in the package (prebuilds/<platform>-<arch>/)
//                  when it was built from these sources and works here, else build from source.
//   --prebuild     `npm pack`'s prepack: build the binaries that ship in the package into prebuilds/: this platform's,
//                  and linux-arm64's where the cross-compiler aarch64-linux-gnu-gcc is installed.
// The code is baseline for the target (x86-64 or AArch64); wider instruction sets are chosen at run time
// (native/simd.h), so a binary built anywhere runs on every CPU of its architecture. The script never fails an
// install: without a C compiler or Node-API headers it prints one line and the engine uses the portable kernels.
// Environment: CC (compiler, default cc), W2S_CFLAGS (extra compiler flags), W2S_SKIP_NATIVE=1 (do not build).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const sources = readdirSync(nativeDir).filter((f) => f.endsWith('.c')).sort().map((f) => join(nativeDir, f));
const built = join(root, 'build', 'native', 'w2s_kernels.node');
const host = `${process.platform}-${process.arch}`;
const CROSS = { 'linux-arm64': 'aarch64-linux-gnu-gcc' };
const mode = process.argv.includes('--prebuild') ? 'prebuild' : process.argv.includes('--if-needed') ? 'if-needed' : 'build';

/** Where the binary shipped for `platform` lives, with the record of what it was built from. */
function prebuiltDir(platform) {
  return join(root, 'prebuilds', platform);
}

/** A digest of native/'s sources: a prebuilt binary is used only for the sources it was built from. */
function sourcesDigest() {
  const hash = createHash('sha256');
  for (const file of readdirSync(nativeDir).filter((f) => /\.[ch]$/.test(f)).sort()) {
    hash.update(`${file}\0`).update(readFileSync(join(nativeDir, file))).update('\0');
  }
  return hash.digest('hex');
}

function nodeHeaders() {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

function splitFlags(value) {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

/** Loads a build in a child process and multiplies a 2 x 2 pair, so a broken library is caught now. */
function smokeTest(file) {
  const probe = `
    const m = require(${JSON.stringify(file)});
    const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]), c = new Float32Array(4);
    m.sgemm(false, false, 2, 2, 2, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2);
    if (c.join() !== '19,22,43,50') throw new Error('wrong product ' + c.join());
    if (typeof m.info !== 'function' || typeof m.info().isa !== 'string') throw new Error('no kernel info');`;
  const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  return run.status === 0 ? null : (run.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? `exit ${run.status}`);
}

/**
 * Compiles native/*.c into `target` (written whole or not at all) for `platform`; returns null or why it failed.
 * A build for another platform is cross-compiled and cannot be loaded here, so only a build for this one is tested.
 */
function compile(target, platform, cc) {
  const headers = nodeHeaders();
  if (!headers) return 'Node-API headers (node_api.h) not found';
  const [os] = platform.split('-');
  // The extension must stay .node for require() to load it as an addon.
  const tmp = join(dirname(target), `w2s_kernels.tmp-${process.pid}.node`);
  // -fno-trapping-math and -fno-math-errno let the loops with comparisons (exp clamps, softmax) and square roots
  // vectorise, as nothing here reads FP flags or errno; -ffp-contract=fast lets them use FMA (c11 mode turns
  // contraction off otherwise). No -march: instruction sets beyond the baseline come only through the run-time
  // dispatch of native/simd.h.
  const args = [
    '-O3', '-fno-trapping-math', '-fno-math-errno', '-ffp-contract=fast', '-std=c11', '-fPIC', '-shared', '-Wall', '-Wextra',
    `-I${headers}`, ...splitFlags(process.env.W2S_CFLAGS),
    ...sources, '-o', tmp, '-lm', '-pthread',
    ...(os === 'linux' ? ['-ldl'] : []),
    ...(os === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []),
  ];
  mkdirSync(dirname(target), { recursive: true });
  const build = spawnSync(cc, args, { encoding: 'utf8' });
  if (build.error) return `${cc}: ${build.error.code === 'ENOENT' ? 'no C compiler' : build.error.message}`;
  if (build.status !== 0) {
    rmSync(tmp, { force: true });
    return (build.stderr.split('\n').find((line) => /error|cannot find/i.test(line)) ?? `${cc} exited ${build.status}`).trim();
  }
  const failure = platform === host ? smokeTest(tmp) : null;
  if (failure) {
    rmSync(tmp, { force: true });
    return `the built addon does not work: ${failure}`;
  }
  renameSync(tmp, target);
  return null;
}

function buildFromSource() {
  const failure = compile(built, host, process.env.CC || 'cc');
  if (failure) {
    // A build left from an earlier install would contradict this message.
    rmSync(built, { force: true });
    console.log(`w2s: native kernels not built (${failure}); the portable kernels will be used.`);
  } else {
    console.log(`w2s: native kernels built (${relative(root, built)}).`);
  }
}

/** The prebuilt binary for this machine when it matches native/'s sources and works here; else why not. */
function usablePrebuilt() {
  const dir = prebuiltDir(host);
  const binary = join(dir, 'w2s_kernels.node');
  if (!existsSync(binary)) return { why: `no prebuilt binary for ${host}` };
  let record;
  try {
    record = JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8'));
  } catch {
    return { why: `prebuilds/${host}/build.json is missing or unreadable` };
  }
  if (record.sources !== sourcesDigest()) return { why: `the prebuilt binary for ${host} is from other sources` };
  const failure = smokeTest(binary);
  return failure ? { why: `the prebuilt binary for ${host} does not work here: ${failure}` } : { binary };
}

if (process.env.W2S_SKIP_NATIVE === '1') {
  rmSync(built, { force: true });
  console.log('w2s: native kernels not built (W2S_SKIP_NATIVE=1); the portable kernels will be used.');
  process.exit(0);
}
if (process.platform === 'win32') {
  console.log('w2s: native kernels not built (Windows builds are not supported); the portable kernels will be used.');
  process.exit(0);
}

if (mode === 'if-needed') {
  const prebuilt = usablePrebuilt();
  if (prebuilt.binary) {
    // A from-source build takes precedence when loading; one left from an earlier install must not shadow this one.
    rmSync(built, { force: true });
    console.log(`w2s: using the prebuilt native kernels (${relative(root, prebuilt.binary)}).`);
  } else {
    buildFromSource();
  }
} else if (mode === 'prebuild') {
  // Packing must not ship a package without this platform's binary: here a failure is an error.
  const digest = sourcesDigest();
  const targets = [host, ...Object.keys(CROSS).filter((p) => p !== host)];
  for (const platform of targets) {
    const cc = platform === host ? process.env.CC || 'cc' : CROSS[platform];
    if (platform !== host && spawnSync(cc, ['--version']).error) {
      console.log(`w2s: no prebuilt binary for ${platform} (cross-compiler ${cc} not installed).`);
      continue;
    }
    const dir = prebuiltDir(platform);
    const failure = compile(join(dir, 'w2s_kernels.node'), platform, cc);
    if (failure) {
      console.error(`w2s: prebuilding the native kernels for ${platform} failed: ${failure}`);
      process.exit(1);
    }
    const version = spawnSync(cc, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
    writeFileSync(join(dir, 'build.json'), `${JSON.stringify({ platform, sources: digest, compiler: version }, null, 2)}\n`);
    console.log(`w2s: prebuilt the native kernels for ${platform} (${relative(root, dir)}).`);
  }
} else {
  buildFromSource();
}
