import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { withPath } from '../errors.js';
import { removeAbandoned, temporaryOwner } from './atomic.js';

const STAGING_PREFIX = '.w2s-staging-';

/**
 * A set of output files that appear in `dir` all together or not at all: they are written in a hidden staging folder
 * inside `dir` and moved into place only by `commit()`. `abort()` removes every trace (and `dir` itself if it was
 * created here and is empty). A process killed before either (Ctrl-C, kill -9) leaves its staging folder behind; the
 * next output into the same `dir` removes it, as the folder's name says which host and process wrote it.
 */
export class StagedOutput {
  readonly staging: string;
  private readonly createdDir: boolean;

  constructor(readonly dir: string) {
    this.createdDir = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    removeAbandoned(dir, STAGING_PREFIX);
    this.staging = mkdtempSync(join(dir, `${STAGING_PREFIX}${temporaryOwner()}-`));
  }

  /** A buffered writer for a file of this output. */
  writer(name: string): BufferedWriter {
    return new BufferedWriter(join(this.staging, name));
  }

  /**
   * Move the output into place. `replaces` names the files of earlier outputs of the same kind: those this output does
   * not write again are removed, so the folder holds one output as a whole, never parts of two.
   */
  commit(replaces?: RegExp): void {
    const names = readdirSync(this.staging);
    if (replaces) for (const name of readdirSync(this.dir)) if (replaces.test(name) && !names.includes(name)) rmSync(join(this.dir, name), { force: true });
    for (const name of names) renameSync(join(this.staging, name), join(this.dir, name));
    rmSync(this.staging, { recursive: true, force: true });
  }

  abort(): void {
    rmSync(this.staging, { recursive: true, force: true });
    if (this.createdDir && existsSync(this.dir) && readdirSync(this.dir).length === 0) rmSync(this.dir, { recursive: true, force: true });
  }
}

const BUFFER_BYTES = 1 << 20;

/** Appends text to a file through a 1 MiB buffer (one write system call per MiB, no string joins). */
export class BufferedWriter {
  private readonly fd: number;
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    // A UTF-8 character takes at most 3 bytes per UTF-16 code unit.
    if (this.used + text.length * 3 > this.buffer.length) {
      this.flush();
      if (text.length * 3 > this.buffer.length) this.buffer = Buffer.allocUnsafe(text.length * 3);
    }
    this.used += this.buffer.write(text, this.used);
  }

  flush(): void {
    let offset = 0;
    try {
      while (offset < this.used) offset += writeSync(this.fd, this.buffer, offset, this.used - offset);
    } catch (error) {
      throw withPath(error, this.path);
    }
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
