import { describe, expect, it } from 'vitest';
import { FailureStop } from '../../src/label/failure-stop.js';

const okay = { ok: true } as const;
const fail = (fatal = false) => ({ ok: false, reason: 'http-503', message: 'HTTP 503: busy', fatal }) as const;

describe('FailureStop', () => {
  it('stops after N failures in a row; an answer in between resets the count', () => {
    const stop = new FailureStop({ maxConsecutiveFailures: 3, maxFailureRate: 1, minRequestsForRate: 1 });
    expect(stop.record(fail())).toBe(false);
    expect(stop.record(fail())).toBe(false);
    expect(stop.record(okay)).toBe(false);
    expect(stop.record(fail())).toBe(false);
    expect(stop.record(fail())).toBe(false);
    expect(stop.record(fail())).toBe(true);
    expect(stop.reason).toBe('3 requests in a row failed (last: http-503: HTTP 503: busy)');
  });

  it('stops when the failure rate passes the threshold, once enough requests finished', () => {
    const stop = new FailureStop({ maxConsecutiveFailures: 100, maxFailureRate: 0.25, minRequestsForRate: 8 });
    const outcomes = [fail(), okay, fail(), okay, fail(), okay, okay];
    for (const outcome of outcomes) expect(stop.record(outcome)).toBe(false);
    // 3 of 7 failed, but the rate counts from the 8th on: 3 of 8 > 25%.
    expect(stop.record(okay)).toBe(true);
    expect(stop.reason).toMatch(/^3 of 8 requests failed, more than 25%/);
  });

  it('stops at once on a fatal failure', () => {
    const stop = new FailureStop({ maxConsecutiveFailures: 100, maxFailureRate: 1, minRequestsForRate: 1 });
    expect(stop.record(fail(true))).toBe(true);
    expect(stop.reason).toMatch(/no retry can mend/);
  });

  it('never stops a run that keeps answering', () => {
    const stop = new FailureStop();
    for (let i = 0; i < 1000; i++) expect(stop.record(i % 3 === 0 ? fail() : okay)).toBe(false);
    expect(stop.reason).toBeUndefined();
  });
});
