import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Write a whole file through a temporary sibling renamed into place: a reader, or a killed run, never sees half a file. */
export function writeFileAtomically(path: string, contents: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, contents);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
