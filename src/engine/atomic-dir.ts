import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Fills a fresh staging folder beside `dir`, then renames it to `dir`, so `dir` is either the previous complete
 * folder or the new complete one, never half-written. A folder already at `dir` is replaced.
 */
export function writeDirAtomically(dir: string, fill: (staging: string) => void): void {
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.tmp-`));
  try {
    fill(staging);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  if (!existsSync(target)) {
    renameSync(staging, target);
    return;
  }
  // rename() cannot replace a non-empty folder: move the old one aside first, drop it once the new one is in place.
  const previous = `${staging}.previous`;
  renameSync(target, previous);
  renameSync(staging, target);
  rmSync(previous, { recursive: true, force: true });
}
