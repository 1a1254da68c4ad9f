import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The build script in a scratch copy of the layout it expects, so these runs never touch the project's own build/.
const repo = new URL('../../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'w2s-build-native-'));
mkdirSync(join(scratch, 'scripts'));
mkdirSync(join(scratch, 'native'));
copyFileSync(join(repo, 'scripts', 'build-native.mjs'), join(scratch, 'scripts', 'build-native.mjs'));
for (const file of readdirSync(join(repo, 'native'))) copyFileSync(join(repo, 'native', file), join(scratch, 'native', file));
const target = join(scratch, 'build', 'native', 'w2s_kernels.node');
const host = `${process.platform}-${process.arch}`;
const prebuilt = join(scratch, 'prebuilds', host, 'w2s_kernels.node');

function build(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, [join(scratch, 'scripts', 'build-native.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

const has = (command: string) => !spawnSync(command, ['--version']).error;
const compiles = has(process.env.CC || 'cc');

/** Multiplies in a child Node (optionally under an emulator) and prints the addon's kernel info. */
function probe(addon: string, emulator: string[] = []) {
  const code = `const m = require(${JSON.stringify(addon)});
    const a = new Float32Array([1, 2, 3, 4]), c = new Float32Array(4);
    m.sgemm(false, false, 2, 2, 2, 1, a, 0, 2, a, 0, 2, 0, c, 0, 2);
    console.log(c.join(), m.info().isa, m.info().isas.join('+'));`;
  const [command, ...args] = [...emulator, process.execPath, '-e', code];
  return spawnSync(command!, args, { encoding: 'utf8' });
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('scripts/build-native.mjs', () => {
  it('builds a working addon, or says in one line that the portable kernels will be used', () => {
    const run = build({});
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    if (existsSync(target)) expect(lines[0]).toMatch(/native kernels built/);
    else expect(lines[0]).toMatch(/native kernels not built \(.+\); the portable kernels will be used\./);
  });

  it('never fails the install without a compiler, and leaves no stale addon behind', () => {
    const run = build({ CC: join(scratch, 'no-such-compiler') });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^w2s: native kernels not built \(.*no C compiler\); the portable kernels will be used\.$/);
    expect(existsSync(target)).toBe(false);
  });

  it('never fails the install when compiling fails', () => {
    const run = build({ W2S_CFLAGS: '-include no-such-header.h' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/not built \(.*no-such-header\.h.*\); the portable kernels will be used\.$/);
    expect(existsSync(target)).toBe(false);
  });

  it.skipIf(!compiles || process.platform !== 'linux')('builds without any BLAS: the addon links no BLAS library', () => {
    expect(build({}).stdout).toMatch(/native kernels built/);
    const needed = spawnSync('readelf', ['-d', target], { encoding: 'utf8' }).stdout;
    expect(needed).toMatch(/NEEDED.*libc\.so/);
    expect(needed).not.toMatch(/blas|lapack/i);
  });

  it.skipIf(!compiles || process.arch !== 'x64' || !has('qemu-x86_64'))(
    'is baseline x86-64 code: on an emulated CPU without AVX it runs the scalar kernels, with AVX2 the AVX2 ones',
    () => {
      expect(build({}).stdout).toMatch(/native kernels built/);
      const old = probe(target, ['qemu-x86_64', '-cpu', 'Nehalem']);
      expect(old.status).toBe(0);
      expect(old.stdout.trim()).toBe('7,10,15,22 scalar scalar');
      const haswell = probe(target, ['qemu-x86_64', '-cpu', 'Haswell']);
      expect(haswell.stdout.trim()).toBe('7,10,15,22 avx2 scalar+avx2');
    },
    120_000,
  );

  it.skipIf(!compiles)('--prebuild makes the binary that ships for this platform, with the digest of its sources', () => {
    const run = build({}, '--prebuild');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`prebuilt the native kernels for ${host}`);
    const record = JSON.parse(readFileSync(join(scratch, 'prebuilds', host, 'build.json'), 'utf8'));
    expect(record.platform).toBe(host);
    expect(record.sources).toMatch(/^[0-9a-f]{64}$/);
    expect(probe(prebuilt).stdout).toMatch(/^7,10,15,22 /);
    // linux-arm64 is cross-compiled where aarch64-linux-gnu-gcc is installed (it cannot be loaded here).
    if (host === 'linux-x64' && has('aarch64-linux-gnu-gcc')) {
      expect(run.stdout).toContain('prebuilt the native kernels for linux-arm64');
      const kind = spawnSync('readelf', ['-h', join(scratch, 'prebuilds', 'linux-arm64', 'w2s_kernels.node')], { encoding: 'utf8' }).stdout;
      expect(kind).toMatch(/Machine:\s+AArch64/);
    }
  });

  it.skipIf(!compiles)('at install (--if-needed) keeps a matching prebuilt binary even without a compiler, else builds', () => {
    expect(build({}, '--prebuild').status).toBe(0);
    const kept = build({ CC: join(scratch, 'no-such-compiler') }, '--if-needed');
    expect(kept.stdout.trim()).toBe(`w2s: using the prebuilt native kernels (prebuilds/${host}/w2s_kernels.node).`);
    expect(existsSync(target)).toBe(false);
    // Sources changed since the binary was made: it is not used, and the build from source replaces it.
    const edited = join(scratch, 'native', 'gemm.c');
    const original = readFileSync(edited);
    appendFileSync(edited, '\n/* edited */\n');
    try {
      const rebuilt = build({}, '--if-needed');
      expect(rebuilt.stdout.trim()).toBe('w2s: native kernels built (build/native/w2s_kernels.node).');
      expect(existsSync(target)).toBe(true);
    } finally {
      writeFileSync(edited, original);
    }
    // A prebuilt binary that does not load here (another platform's, a damaged download) is not used either.
    writeFileSync(prebuilt, 'not a shared library');
    expect(build({ CC: join(scratch, 'no-such-compiler') }, '--if-needed').stdout).toMatch(/not built \(.*no C compiler\)/);
  });
});
