// One process at a time in a folder: a lock file names the host and process that holds it. A lock left by a process
// that is gone (killed) is taken over; one held by a live process is refused, so two commands never write the same
// outputs at once.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { badInput } from '../errors.js';

/** This host's name as lock and staging names hold it: without dashes, which separate the parts of those names. */
export function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';
}

/** Whether process `pid` of this host is alive. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take `dir`'s lock file `name`, or refuse (exit 2) when a live process holds it; returns the release. */
export function lockFolder(dir: string, what: string, name = '.w2s.lock'): () => void {
  const file = join(dir, name);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const [host, pid] = readFileSync(file, 'utf8').trim().split(' ');
      if (host === hostTag() && Number(pid) > 0 && !processAlive(Number(pid))) {
        rmSync(file, { force: true });
        continue;
      }
      throw badInput(`another ${what} (process ${pid} on ${host}) is working in this folder; wait for it to end, or stop it`, { file: dir });
    }
    writeSync(fd, `${hostTag()} ${process.pid}\n`);
    closeSync(fd);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      process.off('exit', release);
      rmSync(file, { force: true });
    };
    process.on('exit', release);
    return release;
  }
  throw badInput(`cannot take the lock ${file}`, { file: dir });
}
