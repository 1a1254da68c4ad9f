// When to give up on a backend: a run against a server that is down, refuses the key or fails most requests stops
// early with a clear reason instead of retrying every request of the run.

/** When a label run stops early because its requests keep failing. */
export interface FailureStopOptions {
  /** Stop after this many sent requests in a row failed for good (default 20). */
  maxConsecutiveFailures: number;
  /** Stop when more than this fraction of the sent requests failed for good (default 0.5)... */
  maxFailureRate: number;
  /** ...counted once this many have finished (default 50). */
  minRequestsForRate: number;
}

/** When `w2s label` stops a run whose requests keep failing, by default. */
export const DEFAULT_FAILURE_STOP: Readonly<FailureStopOptions> = Object.freeze({
  maxConsecutiveFailures: 20,
  maxFailureRate: 0.5,
  minRequestsForRate: 50,
});

/** Counts the outcomes of sent requests and says when the run should stop. */
export class FailureStop {
  private finished = 0;
  private failed = 0;
  private consecutive = 0;
  private last = '';
  /** Why the run should stop; undefined while it should go on. */
  reason: string | undefined;

  constructor(private readonly options: FailureStopOptions = DEFAULT_FAILURE_STOP) {}

  /** Record a sent request's outcome; true when the run should stop now. */
  record(outcome: { ok: true } | { ok: false; reason: string; message: string; fatal: boolean }): boolean {
    if (this.reason !== undefined) return true;
    this.finished++;
    if (outcome.ok) this.consecutive = 0;
    else {
      this.failed++;
      this.consecutive++;
      this.last = `${outcome.reason}: ${outcome.message}`;
    }
    const { maxConsecutiveFailures, maxFailureRate, minRequestsForRate } = this.options;
    if (!outcome.ok && outcome.fatal) this.reason = `the backend refused a request in a way no retry can mend (${this.last})`;
    else if (this.consecutive >= maxConsecutiveFailures) this.reason = `${this.consecutive} requests in a row failed (last: ${this.last})`;
    else if (this.finished >= minRequestsForRate && this.failed / this.finished > maxFailureRate) {
      this.reason = `${this.failed} of ${this.finished} requests failed, more than ${maxFailureRate * 100}% (last: ${this.last})`;
    }
    return this.reason !== undefined;
  }
}
