import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isRetryable, parseRetryAfter, sleep } from '../../src/backends/retry.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delay-seconds, also fractional ones', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('0.25', now)).toBe(250);
  });

  it('reads an HTTP date relative to now, and a date in the past as no wait', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };

  it('stays between half and all of the doubling ceiling, capped at maxDelayMs', () => {
    for (let retry = 0; retry < 8; retry++) {
      const ceiling = Math.min(1000, 100 * 2 ** retry);
      for (const seed of ['a', 'b', 'c', 'd']) {
        const delay = backoffDelayMs(policy, retry, seed);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('is reproducible from its seed and differs between requests', () => {
    expect(backoffDelayMs(policy, 3, 'prompt 1')).toBe(backoffDelayMs(policy, 3, 'prompt 1'));
    const delays = new Set(['p1', 'p2', 'p3', 'p4', 'p5'].map((seed) => backoffDelayMs(policy, 3, seed)));
    expect(delays.size).toBe(5);
  });
});

describe('isRetryable', () => {
  it('retries rate limits, server errors, timeouts, lost connections and broken answers', () => {
    expect(isRetryable('http-429', 429)).toBe(true);
    expect(isRetryable('http-500', 500)).toBe(true);
    expect(isRetryable('http-503', 503)).toBe(true);
    expect(isRetryable('http-408', 408)).toBe(true);
    expect(isRetryable('timeout')).toBe(true);
    expect(isRetryable('connection')).toBe(true);
    expect(isRetryable('bad-response')).toBe(true);
  });

  it('does not retry refused requests or a stopped run', () => {
    expect(isRetryable('http-400', 400)).toBe(false);
    expect(isRetryable('http-401', 401)).toBe(false);
    expect(isRetryable('http-404', 404)).toBe(false);
    expect(isRetryable('aborted')).toBe(false);
  });
});

describe('sleep', () => {
  it('wakes early with false when aborted', async () => {
    const stop = new AbortController();
    const started = performance.now();
    const slept = sleep(5_000, stop.signal);
    setTimeout(() => stop.abort(), 10);
    expect(await slept).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('resolves true after the delay', async () => {
    expect(await sleep(5)).toBe(true);
  });
});
