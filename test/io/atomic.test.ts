// Writes that appear whole or not at all, and what they do with the temporary files a killed process left.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stagingPrefix, writeDirAtomically, writeFileAtomically, writeFileAtomicallyWith } from '../../src/io/atomic.js';
import { hostTag } from '../../src/io/folder-lock.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'w2s-atomic-'));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('writeFileAtomically', () => {
  it('refuses a target that is a folder, naming it, and leaves nothing beside it', () => {
    const dir = tmp();
    const target = join(dir, 'model.gguf');
    mkdirSync(target);
    expect(() => writeFileAtomically(target, 'bytes')).toThrow(`${target}: is a folder, not a file`);
    expect(readdirSync(dir)).toEqual(['model.gguf']);
  });

  it('leaves no temporary file when filling it fails', () => {
    const dir = tmp();
    const target = join(dir, 'model.gguf');
    expect(() =>
      writeFileAtomicallyWith(target, (fd) => {
        writeSync(fd, 'half');
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes what a dead process of this host left beside the target, and keeps what a live one is writing', () => {
    const dir = tmp();
    const target = join(dir, 'results.json');
    const dead = join(dir, `${stagingPrefix(target)}${hostTag()}-${deadPid()}`);
    const live = join(dir, `${stagingPrefix(target)}${hostTag()}-${process.ppid}`);
    const otherHost = join(dir, `${stagingPrefix(target)}elsewhere-${deadPid()}`);
    const otherTarget = join(dir, `${stagingPrefix(join(dir, 'other.json'))}${hostTag()}-${deadPid()}`);
    for (const file of [dead, live, otherHost, otherTarget]) writeFileSync(file, 'partial');
    writeFileAtomically(target, '{}');
    expect(readFileSync(target, 'utf8')).toBe('{}');
    expect(existsSync(dead)).toBe(false);
    expect([live, otherHost, otherTarget].every(existsSync)).toBe(true);
  });
});

describe('writeDirAtomically', () => {
  it("removes a dead process's staging folder beside the target", () => {
    const dir = tmp();
    const target = join(dir, 'model');
    const abandoned = join(dir, `${stagingPrefix(target)}${hostTag()}-${deadPid()}-abc123`);
    mkdirSync(abandoned);
    writeFileSync(join(abandoned, 'model.safetensors'), 'partial');
    writeDirAtomically(target, (staging) => writeFileSync(join(staging, 'config.json'), '{}'));
    expect(readdirSync(dir)).toEqual(['model']);
    expect(readdirSync(target)).toEqual(['config.json']);
  });
});
