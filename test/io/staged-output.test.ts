// Staged output: all files or none, and no staging folder left behind for good by a process that was killed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StagedOutput } from '../../src/io/staged-output.js';

const host = hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  expect(child.status).toBe(0);
  return child.pid as number;
}

describe('StagedOutput', () => {
  it('moves its files into place on commit, and leaves no trace on abort', () => {
    const root = mkdtempSync(join(tmpdir(), 'w2s-staged-'));
    const committed = new StagedOutput(join(root, 'a'));
    const writer = committed.writer('x.txt');
    writer.write('hello\n');
    writer.close();
    expect(readdirSync(join(root, 'a'))).toHaveLength(1);
    committed.commit();
    expect(readdirSync(join(root, 'a'))).toEqual(['x.txt']);

    const aborted = new StagedOutput(join(root, 'b'));
    writeFileSync(join(aborted.staging, 'y.txt'), 'half');
    aborted.abort();
    expect(existsSync(join(root, 'b'))).toBe(false);
  });

  it("removes the staging folders of this host's processes that are gone, and no others", () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-staged-'));
    const abandoned = `.w2s-staging-${host}-${deadPid()}-abc123`;
    const live = `.w2s-staging-${host}-${process.pid}-def456`;
    const otherHost = `.w2s-staging-${host}x-${deadPid()}-ghi789`;
    const older = '.w2s-staging-jkl012';
    for (const name of [abandoned, live, otherHost, older]) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'part.jsonl'), 'half written');
    }
    const output = new StagedOutput(dir);
    const left = readdirSync(dir);
    expect(left).not.toContain(abandoned);
    expect(left).toEqual(expect.arrayContaining([live, otherHost, older]));
    // Its own staging folder carries this host and process, so that a later run can tell when it is abandoned.
    expect(output.staging).toMatch(new RegExp(`\\.w2s-staging-${host.replace(/\./g, '\\.')}-${process.pid}-`));
    output.abort();
  });
});
