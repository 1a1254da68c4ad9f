// Resumable stages: each finished stage leaves a small JSON record in the run directory, written atomically, so a run
// killed at any moment and started again skips what is done and redoes only what was interrupted.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomically } from '../io/atomic.js';

export class StageStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(key: string): string {
    return join(this.dir, `${key.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
  }

  /** The record of a finished stage, or undefined. */
  get<T>(key: string): T | undefined {
    const file = this.path(key);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
  }

  /** Record a finished stage (temp file, then rename: a reader never sees half a record). */
  put<T>(key: string, value: T): void {
    const file = this.path(key);
    writeJsonAtomically(file, value, 0);
  }

  /** Run `compute` unless the stage is already recorded; record its result. */
  async once<T>(key: string, compute: () => Promise<T>): Promise<{ value: T; cached: boolean }> {
    const found = this.get<T>(key);
    if (found !== undefined) return { value: found, cached: true };
    const value = await compute();
    this.put(key, value);
    return { value, cached: false };
  }
}
