import type { LlamaContext } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { orderFirstSampleAfterDecode } from '../../src/backends/llamacpp-sample-order.js';
import { W2sError } from '../../src/errors.js';

/** A stand-in for node-llama-cpp's native context that records which sample calls overlapped in time. */
class RecordingNative {
  running = 0;
  /** How many calls were running (itself included) when each sample call started, in call order. */
  readonly overlaps: number[] = [];

  decodeBatch(): Promise<void> {
    return Promise.resolve();
  }

  async sampleToken(index: number): Promise<number> {
    this.running++;
    this.overlaps.push(this.running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.running--;
    return index;
  }
}

/** A LlamaContext whose native part is `native`, with read-only methods as node-llama-cpp's binding has them. */
function contextOf(native: RecordingNative): LlamaContext {
  for (const key of ['decodeBatch', 'sampleToken'] as const) {
    Object.defineProperty(RecordingNative.prototype, key, { writable: false, value: RecordingNative.prototype[key] });
  }
  return { _ctx: native } as unknown as LlamaContext;
}

describe('orderFirstSampleAfterDecode', () => {
  it('runs the first sampling after each decode alone and the rest of that batch side by side', async () => {
    const native = new RecordingNative();
    orderFirstSampleAfterDecode(contextOf(native));
    const ctx = native as unknown as { decodeBatch(): Promise<void>; sampleToken(i: number): Promise<number> };
    for (let batch = 0; batch < 2; batch++) {
      await ctx.decodeBatch();
      expect(await Promise.all([0, 1, 2, 3].map((i) => ctx.sampleToken(i)))).toEqual([0, 1, 2, 3]);
    }
    // Per batch: the first call alone (1), then the other three together (1, 2, 3).
    expect(native.overlaps).toEqual([1, 1, 2, 3, 1, 1, 2, 3]);
  });

  it('refuses a node-llama-cpp without the internals it wraps, with the install command of the tested release', () => {
    const error = (() => {
      try {
        orderFirstSampleAfterDecode({} as LlamaContext);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as W2sError).message).toContain('npm install node-llama-cpp@3.21.1');
  });
});
