// Writing buffers to files on another thread (native/write_behind.c): the caller submits a region of an arena and
// fills another one while the thread writes the first. On a 2-core machine this takes the write system calls, a large
// part of `w2s score`, off the thread that assembles the rows. Without the native addon, writes stay synchronous.
import { loadAddon, NATIVE_ADDON_PATH } from '../native/addon.js';

interface WriteBehindAddon {
  writeBehindStart(arena: Uint8Array): object;
  writeBehindSubmit(handle: object, fd: number, start: number, end: number): number;
  writeBehindWait(handle: object, ticket: number, settleOnly: boolean): void;
  writeBehindStop(handle: object): void;
}

function addon(path: string, kernels: string | undefined): WriteBehindAddon | null {
  if (kernels?.trim().toLowerCase() === 'portable') return null;
  const loaded = loadAddon(path).addon as Partial<WriteBehindAddon> | null;
  return typeof loaded?.writeBehindStart === 'function' ? (loaded as WriteBehindAddon) : null;
}

/** A write-behind thread for one arena: its regions are written to files in the order they were submitted. */
export class WriteBehind {
  private stopped = false;

  /** Whether a thread can run here: the native addon is built (and W2S_KERNELS=portable does not rule it out). */
  static available(path: string = NATIVE_ADDON_PATH, kernels = process.env.W2S_KERNELS): boolean {
    return addon(path, kernels) !== null;
  }

  /**
   * A thread for `arena`, or null when none can run here (see available). The caller must not change a submitted
   * region before waiting for its ticket.
   */
  static start(arena: Buffer, path: string = NATIVE_ADDON_PATH, kernels = process.env.W2S_KERNELS): WriteBehind | null {
    const native = addon(path, kernels);
    return native === null ? null : new WriteBehind(native, native.writeBehindStart(arena));
  }

  private constructor(
    private readonly native: WriteBehindAddon,
    private readonly handle: object,
  ) {}

  /** Queues arena[start, end) for file descriptor `fd`; returns the job's ticket. */
  submit(fd: number, start: number, end: number): number {
    return this.native.writeBehindSubmit(this.handle, fd, start, end);
  }

  /** Blocks until job `ticket` and every job before it are done; throws the error of a failed write (e.g. ENOSPC). */
  waitFor(ticket: number): void {
    if (ticket > 0) this.native.writeBehindWait(this.handle, ticket, false);
  }

  /** Blocks until job `ticket` is done, failed or not (before closing the files of an abandoned output). */
  settle(ticket: number): void {
    if (ticket > 0) this.native.writeBehindWait(this.handle, ticket, true);
  }

  /** Waits for every job, then ends the thread. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.native.writeBehindStop(this.handle);
  }
}
