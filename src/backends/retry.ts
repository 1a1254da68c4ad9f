// When and how long to wait before a request is tried again: exponential backoff with jitter, and the server's own
// Retry-After when it sends one.
import { Rng } from '../core/rng.js';
import type { FailureReason } from './types.js';

/** How a backend retries a failed request. */
export interface RetryPolicy {
  /** Attempts after the first one (default 6). */
  maxRetries: number;
  /** Delay before the first retry; doubled for each later one (default 500 ms). */
  baseDelayMs: number;
  /** No backoff delay is longer than this (default 30 s). */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the request fails instead (default 300 s). */
  maxRetryAfterMs: number;
}

/** Retries with exponential backoff and jitter, as `w2s label` uses by default. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 300_000,
});

/**
 * Whether a failure is worth another attempt: rate limits, server errors, timeouts, lost connections and broken
 * answers (an overloaded server or proxy truncates bodies) are; a request the server refuses (400, 401, 404, ...) is not.
 */
export function isRetryable(reason: FailureReason, status?: number): boolean {
  if (reason === 'aborted') return false;
  if (status === undefined) return true;
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/**
 * The delay before retry number `retry` (0-based): half of min(maxDelay, base * 2^retry) fixed, the other half
 * drawn at random ("equal jitter"), so that requests that failed together do not all come back together while no
 * delay shrinks towards zero. The random half comes from `jitterSeed`, so a run's delays are reproducible.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, jitterSeed: string): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return ceiling / 2 + (ceiling / 2) * Rng.derive(jitterSeed, `retry ${retry}`).next();
}

/**
 * A Retry-After header in milliseconds: delay-seconds ("120", also fractional "0.5") or an HTTP date (relative to
 * `now`, at least 0); undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Resolves after `ms`, or early (with false) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((wake) => {
    const done = (completed: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      wake(completed);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
