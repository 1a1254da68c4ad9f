import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

function build(env: Record<string, string>) {
  return spawnSync(process.execPath, [join(scratch, 'scripts', 'build-native.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
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
    const run = build({ W2S_BLAS_CFLAGS: '-include no-such-header.h' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/not built \(.*no-such-header\.h.*\); the portable kernels will be used\.$/);
    expect(existsSync(target)).toBe(false);
  });
});
