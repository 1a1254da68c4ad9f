// A Generator's requests through the request store: an answered key is read back, never sent again (also when the
// same prompt comes twice in one run: the second waits for the first); every answer and every failure is stored the
// moment it arrives. Counts what happened, for the run's summary.
import type { Complete, Decoding, Generation, Generator } from '../backends/types.js';
import { requestKey, type RequestStore } from './request-store.js';
import type { RequestTally } from './types.js';

export type { RequestTally } from './types.js';

/** A Generation, and whether it came from the store. */
export type CachedGeneration = Generation & { cached: boolean };

/** A new, empty tally. */
export function emptyTally(): RequestTally {
  return { requests: 0, cache_hits: 0, sent: 0, retries: 0, retries_by_reason: {}, failures: 0, failures_by_reason: {} };
}

/** A Generator whose requests go through a {@link RequestStore}. */
export class CachedGenerator {
  readonly tally: RequestTally = emptyTally();
  private readonly inFlight = new Map<string, Promise<Generation>>();

  constructor(
    readonly generator: Generator,
    private readonly store: RequestStore,
  ) {}

  /** The stored answer of this request, or a fresh generation (stored before this resolves). */
  async generate(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<CachedGeneration> {
    this.tally.requests++;
    const key = requestKey(this.generator.identity, prompt, decoding);
    const stored = this.store.get(key);
    if (stored?.status === 'answered') {
      this.tally.cache_hits++;
      return { ok: true, output: stored.output, finishReason: stored.finishReason, retries: [], cached: true };
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      this.tally.cache_hits++;
      return { ...(await pending), retries: [], cached: true };
    }
    const fresh = this.send(key, prompt, decoding, signal);
    this.inFlight.set(key, fresh);
    try {
      return { ...(await fresh), cached: false };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** This generator as a plain {@link Complete} function (for code that only needs outputs). */
  complete(): Complete {
    return (prompt, decoding, signal) => this.generate(prompt, decoding, signal);
  }

  private async send(key: string, prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<Generation> {
    this.tally.sent++;
    const result = await this.generator.generate(prompt, decoding, signal);
    const meta = { key, identity: this.generator.identity, prompt, decoding };
    const attempts = result.retries.length + 1;
    for (const reason of result.retries) count(this.tally.retries_by_reason, reason);
    this.tally.retries += result.retries.length;
    if (result.ok) this.store.saveAnswer(meta, result.output, result.finishReason, attempts);
    else if (result.reason !== 'aborted') {
      this.store.saveFailure(meta, result.reason, result.message, attempts);
      this.tally.failures++;
      count(this.tally.failures_by_reason, result.reason);
    }
    return result;
  }
}

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
