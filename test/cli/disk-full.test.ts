// Every command that writes, run out of room part-way (a file-size limit stands in for a full disk: writes fail the
// same way, from the same calls): one line naming the file and the cause, exit 1, and nothing half-written.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getFamily } from '../../src/tasks/synthetic/families.js';
import { SUITE_QUICK } from '../../src/tasks/synthetic/suite.js';
import { buildWorld } from '../../src/tasks/synthetic/world.js';

const BIN = resolve('bin/w2s.js');
const WEAK_BASE = resolve('assets/bases/weak-8132905b6bb0ac61');

/** `w2s args` with writes limited to `kib` KiB per file (SIGXFSZ ignored, so a write past it fails with EFBIG). */
function w2sLimited(kib: number | null, args: string[], cwd: string): { status: number | null; stderr: string } {
  const command = kib === null ? 'exec "$@"' : `ulimit -f ${kib}; trap '' XFSZ; exec "$@"`;
  const result = spawnSync('bash', ['-c', command, 'w2s', process.execPath, BIN, ...args], { cwd, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

/** The one line a failed command printed: no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.startsWith('w2s:') || line.startsWith('    at '));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('a full disk (the compiled command)', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is not built: run `npx tsc -p .` before this test');
    dir = mkdtempSync(join(tmpdir(), 'w2s-disk-full-'));
    writeFileSync(join(dir, 'rows.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: 'red', completion: ' blue', weight: 1 })).join('\n') + '\n');
    const world = buildWorld(SUITE_QUICK.worldSeed, SUITE_QUICK.world);
    const records = getFamily('knowledge').records(world, 'val', { count: 40 });
    writeFileSync(join(dir, 'val.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });

  it('score: names the file, exits 1 and leaves no output folder', () => {
    const answers = resolve('examples/answers.jsonl');
    const { status, stderr } = w2sLimited(20, ['score', '--task', 'mmlu', '--input', answers, '--out', 'scored'], dir);
    expect(oneLine(stderr)).toMatch(/^w2s: cannot write .*scored\/.*\.jsonl: .*\(EFBIG\)$/);
    expect(status).toBe(1);
    expect(existsSync(join(dir, 'scored'))).toBe(false);
  });

  it('export gguf: names the file, exits 1 and leaves neither it nor a temporary file', () => {
    const { status, stderr } = w2sLimited(100, ['export', 'gguf', '--model', WEAK_BASE, '--out', 'export/weak.gguf'], dir);
    expect(oneLine(stderr)).toContain(`cannot write ${join(dir, 'export', 'weak.gguf')}: `);
    expect(status).toBe(1);
    expect(readdirSync(join(dir, 'export'))).toEqual([]);
  });

  it('train: names the file, exits 1 and leaves no model folder or staging folder', () => {
    const { status, stderr } = w2sLimited(300, ['train', '--base', WEAK_BASE, '--rows', 'rows.jsonl', '--out', 'trained/full', '--full', '--max-steps', '2'], dir);
    expect(oneLine(stderr)).toMatch(/^w2s: cannot write .*model\.safetensors: .*\(EFBIG\)$/);
    expect(status).toBe(1);
    expect(readdirSync(join(dir, 'trained'))).toEqual([]);
  });

  it("label: names the request store, exits 1, writes no answers file, and a rerun with room resumes from what the store kept", () => {
    const args = ['label', '--task', 'synthetic-knowledge', '--split', 'val', '--data', 'val.jsonl', '--backend', 'builtin', '--model', WEAK_BASE, '--max-tokens', '4', '--out', 'labels'];
    const full = w2sLimited(40, args, dir);
    expect(oneLine(full.stderr)).toMatch(/^w2s: .*labels\/store\.sqlite: cannot record an outcome in the request store .*\(SQLITE_(FULL|IOERR\w*)\)$/);
    expect(full.status).toBe(1);
    expect(existsSync(join(dir, 'labels', 'answers.jsonl'))).toBe(false);
    const rerun = w2sLimited(null, args, dir);
    expect(rerun.status).toBe(0);
    expect(existsSync(join(dir, 'labels', 'answers.jsonl'))).toBe(true);
  });
});
