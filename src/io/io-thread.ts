// Reading and writing files on another thread (native/io_thread.c): the caller submits a region of an arena, to be
// filled from a file or written to one, and works on other regions meanwhile. On a 2-core machine this takes the read
// and write system calls, a large part of `w2s score`, off the thread that scans lines and assembles rows. Without the
// native addon, callers read and write synchronously.
import { loadAddon, NATIVE_ADDON_PATH } from '../native/addon.js';

interface IoAddon {
  ioStart(arena: Uint8Array): object;
  ioSubmit(handle: object, fd: number, start: number, end: number, position: number): number;
  ioWait(handle: object, ticket: number, settleOnly: boolean): number;
  ioStop(handle: object): void;
}

function addon(path: string, kernels: string | undefined): IoAddon | null {
  if (kernels?.trim().toLowerCase() === 'portable') return null;
  const loaded = loadAddon(path).addon as Partial<IoAddon> | null;
  return typeof loaded?.ioStart === 'function' ? (loaded as IoAddon) : null;
}

/** An I/O thread for one arena: jobs run one at a time, in the order they were submitted. */
export class IoThread {
  private stopped = false;

  /** Whether a thread can run here: the native addon is built (and W2S_KERNELS=portable does not rule it out). */
  static available(path: string = NATIVE_ADDON_PATH, kernels = process.env.W2S_KERNELS): boolean {
    return addon(path, kernels) !== null;
  }

  /**
   * A thread for `arena`, or null when none can run here (see available). The caller must not touch a submitted
   * region before waiting for its ticket.
   */
  static start(arena: Buffer, path: string = NATIVE_ADDON_PATH, kernels = process.env.W2S_KERNELS): IoThread | null {
    const native = addon(path, kernels);
    return native === null ? null : new IoThread(native, native.ioStart(arena));
  }

  private constructor(
    private readonly native: IoAddon,
    private readonly handle: object,
  ) {}

  /** Queues a write of arena[start, end) to file descriptor `fd`, at its position; returns the job's ticket. */
  write(fd: number, start: number, end: number): number {
    return this.native.ioSubmit(this.handle, fd, start, end, -1);
  }

  /** Queues a read of `fd` from file offset `position` into arena[start, end); returns the job's ticket. */
  read(fd: number, start: number, end: number, position: number): number {
    return this.native.ioSubmit(this.handle, fd, start, end, position);
  }

  /**
   * Blocks until job `ticket` and every job before it are done; throws the error of a failed job (e.g. ENOSPC).
   * Returns the bytes a read read (fewer than asked only at the end of the file); ask before submitting 64 more jobs.
   */
  waitFor(ticket: number): number {
    return ticket > 0 ? this.native.ioWait(this.handle, ticket, false) : 0;
  }

  /** Blocks until job `ticket` is done, failed or not (before closing the files of an abandoned output). */
  settle(ticket: number): void {
    if (ticket > 0) this.native.ioWait(this.handle, ticket, true);
  }

  /** Waits for every job, then ends the thread. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.native.ioStop(this.handle);
  }
}
