// Every output that must never be seen half-written goes through here: a file or a folder is filled under a temporary
// name beside its target and renamed into place, so a reader (or the next run, after a kill -9) sees either the
// previous complete version or the new one. Sets of files that appear together use `StagedOutput` (staged-output.ts).
// Temporary names say which host and process made them, so what a killed process left is removed by the next write
// to the same target.
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { badInput, withPath } from '../errors.js';
import { hostTag, processAlive } from './folder-lock.js';

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
  if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw badInput('is a folder, not a file: give the path of the file to write', { file: target });
  mkdirSync(dirname(target), { recursive: true });
  removeAbandoned(dirname(target), stagingPrefix(target));
  const temp = join(dirname(target), `${stagingPrefix(target)}${temporaryOwner()}`);
  const fd = openSync(temp, 'w');
  let open = true;
  try {
    fill(fd);
    if (options.fsync) fsyncSync(fd);
    open = false;
    closeSync(fd);
    // Fails when the target is a folder, say: the temporary file must not stay behind.
    renameSync(temp, target);
  } catch (error) {
    if (open) closeSync(fd);
    rmSync(temp, { force: true });
    throw withPath(error, target);
  }
}

/** The prefix of the temporary files and staging folders made beside `path` (what an interrupted write leaves). */
export function stagingPrefix(path: string): string {
  return `.${basename(resolve(path))}.tmp-`;
}

/** host-pid: who made a temporary name (the name's part after its prefix). */
export function temporaryOwner(): string {
  return `${hostTag()}-${process.pid}`;
}

const OWNER = /^([A-Za-z0-9._]+)-(\d+)(?:-|$)/;

/**
 * Removes what processes of this host, now gone, left in `folder` under names `prefix` + {@link temporaryOwner}
 * (+ anything): temporary files and staging folders of a write they never finished.
 */
export function removeAbandoned(folder: string, prefix: string): void {
  const host = hostTag();
  for (const name of readdirSync(folder)) {
    if (!name.startsWith(prefix)) continue;
    const match = OWNER.exec(name.slice(prefix.length));
    if (match === null || match[1] !== host) continue;
    const pid = Number(match[2]);
    if (pid !== process.pid && !processAlive(pid)) rmSync(join(folder, name), { recursive: true, force: true });
  }
}

/**
 * Fill a fresh staging folder beside `dir`, then rename it to `dir`, so `dir` is either the previous complete folder
 * or the new complete one. A folder already at `dir` is replaced.
 */
export function writeDirAtomically(dir: string, fill: (staging: string) => void): void {
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  removeAbandoned(dirname(target), stagingPrefix(target));
  const staging = mkdtempSync(join(dirname(target), `${stagingPrefix(target)}${temporaryOwner()}-`));
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
