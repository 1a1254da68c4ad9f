import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The fake interpreter: runs fixtures/fake-sidecar.mjs, which speaks the sidecar protocol without PyTorch. */
export const FAKE_PYTHON = join(import.meta.dirname, 'fixtures', 'fake-python');

export function tempDir(prefix = 'w2s-hf-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The records the fake sidecar logged (argv, environment, requests), in order. */
export function readLog(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Whether a process is alive: signal 0 finds it, and it is not a zombie waiting for its new parent to reap it. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !(existsSync(stat) && / Z /.test(readFileSync(stat, 'utf8').replace(/^.*\)/, ')')));
}

/** Waits until `condition` holds, polling; fails after `ms`. */
export async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting for a condition');
    await new Promise((wake) => setTimeout(wake, 10));
  }
}

/** An interpreter stand-in that runs the fake sidecar with FAKE_MODE=mode (its own path, so probes are not shared). */
export function fakePythonWithMode(mode: string): string {
  const file = join(tempDir('w2s-hf-python-'), 'python');
  writeFileSync(file, `#!/bin/sh\nFAKE_MODE=${mode} exec ${FAKE_PYTHON} "$@"\n`, { mode: 0o755 });
  return file;
}
