// One process at a time in a folder: the lock is refused while a live process holds it, taken over from a dead one,
// and gone once released.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { W2sError } from '../../src/errors.js';
import { hostTag, lockFolder } from '../../src/io/folder-lock.js';

describe('lockFolder', () => {
  it('refuses a second holder while the first lives (exit 2), and frees the folder on release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-lock-'));
    const release = lockFolder(dir, 'w2s run');
    let error: unknown;
    try {
      lockFolder(dir, 'w2s run');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as W2sError).message).toContain(`another w2s run (process ${process.pid} on ${hostTag()}) is working in this folder`);
    release();
    expect(existsSync(join(dir, '.w2s.lock'))).toBe(false);
    lockFolder(dir, 'w2s run')();
  });

  it('takes over the lock of a process that is gone (killed mid-run)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-lock-'));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, '.w2s.lock'), `${hostTag()} ${gone}\n`);
    const release = lockFolder(dir, 'w2s run');
    release();
  });
});
