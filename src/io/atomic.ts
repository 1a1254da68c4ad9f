// Every output that must never be seen half-written goes through here: a file or a folder is filled under a temporary
// name beside its target and renamed into place, so a reader (or the next run, after a kill -9) sees either the
// previous complete version or the new one. Sets of files that appear together use `StagedOutput` (staged-output.ts).
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Write a whole file through a temporary sibling renamed into place. */
export function writeFileAtomically(path: string, contents: string | Uint8Array): void {
  writeFileAtomicallyWith(path, (fd) => writeFileSync(fd, contents));
}

/** `value` as JSON (indented by `indent` spaces, with a final newline when indented), written atomically. */
export function writeJsonAtomically(path: string, value: unknown, indent = 2): void {
  writeFileAtomically(path, indent > 0 ? `${JSON.stringify(value, null, indent)}\n` : JSON.stringify(value));
}

/**
 * Fill a file through its descriptor (large outputs written piece by piece: safetensors, GGUF), then rename it into
 * place; `fsync` flushes it to the disk first. The folder is created when missing; on any error nothing is left.
 */
export function writeFileAtomicallyWith(path: string, fill: (fd: number) => void, options: { fsync?: boolean } = {}): void {
  const target = resolve(path);
  mkdirSync(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  const fd = openSync(temp, 'w');
  try {
    fill(fd);
    if (options.fsync) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, target);
}

/** The prefix of the staging folders `writeDirAtomically` makes beside `dir` (what an interrupted write leaves). */
export function stagingPrefix(dir: string): string {
  return `.${basename(resolve(dir))}.tmp-`;
}

/**
 * Fill a fresh staging folder beside `dir`, then rename it to `dir`, so `dir` is either the previous complete folder
 * or the new complete one. A folder already at `dir` is replaced.
 */
export function writeDirAtomically(dir: string, fill: (staging: string) => void): void {
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), stagingPrefix(target)));
  try {
    fill(staging);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  moveDirIntoPlace(staging, target);
}

/** Rename a finished folder onto `target`; a folder already there is moved aside first, then removed. */
export function moveDirIntoPlace(finished: string, target: string): void {
  if (!existsSync(target)) {
    renameSync(finished, target);
    return;
  }
  // rename() cannot replace a non-empty folder: move the old one aside first, drop it once the new one is in place.
  const previous = `${finished}.previous`;
  renameSync(target, previous);
  renameSync(finished, target);
  rmSync(previous, { recursive: true, force: true });
}
