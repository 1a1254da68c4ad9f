// After a decode, llama.cpp may hold a batch's output rows (logits) in an order other than the batch's, and puts them
// back in order inside the first call that reads them. That reordering swaps rows in place and is not thread-safe.
// node-llama-cpp samples every sequence of a batch on its own worker thread, all at once: two threads can reorder
// together (the second swap undoes the first) and sequences then sample from each other's logits. Measured with a
// 40k-token vocabulary and 16 sequences: 187 of 192 greedy outputs held tokens the model would not pick, against 0 of 64
// with one sequence. This guard lets the first sampling after each decode run alone; once it has reordered the rows,
// reads are read-only and the rest run side by side.
import type { LlamaContext } from 'node-llama-cpp';
import { badInput } from '../errors.js';
import { installCommand, NODE_LLAMA_CPP } from '../optional.js';

interface NativeContext {
  decodeBatch(...args: unknown[]): Promise<unknown>;
  sampleToken(...args: unknown[]): Promise<unknown>;
}

/** Wraps the context's native decode and sample calls so the first sampling after a decode runs alone. */
export function orderFirstSampleAfterDecode(context: LlamaContext): void {
  const native = (context as unknown as { _ctx?: Partial<NativeContext> })._ctx;
  if (typeof native?.decodeBatch !== 'function' || typeof native.sampleToken !== 'function') {
    // The guard wraps internals of the release w2s is tested with (the peer dependency pins it exactly).
    throw badInput(`this node-llama-cpp has no context internals w2s knows; install the tested release: ${installCommand(NODE_LLAMA_CPP)}`);
  }
  const decode = native.decodeBatch.bind(native);
  const sample = native.sampleToken.bind(native);
  // The first sampling since the latest decode, while it runs; null when none has started or it has ended.
  let first: Promise<unknown> | null = null;
  let reordered = true;
  const guarded: NativeContext = {
    async decodeBatch(...args: unknown[]) {
      const result = await decode(...args);
      reordered = false;
      first = null;
      return result;
    },
    sampleToken(...args: unknown[]) {
      if (reordered) return sample(...args);
      if (first === null) {
        first = sample(...args);
        const done = (): void => {
          reordered = true;
        };
        first.then(done, done);
        return first;
      }
      const after = (): Promise<unknown> => sample(...args);
      return first.then(after, after);
    },
  };
  // The native methods are read-only properties of the class's prototype; own properties of this object shadow them.
  for (const key of ['decodeBatch', 'sampleToken'] as const) Object.defineProperty(native, key, { value: guarded[key], configurable: true });
}
