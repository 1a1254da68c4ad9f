import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Decoding, FailureReason, Generation, Generator } from '../../src/backends/types.js';
import { CachedGenerator } from '../../src/label/cached-generator.js';
import { RequestStore, requestKey } from '../../src/label/request-store.js';
import { tempDir } from './helpers.js';

const decoding: Decoding = { temperature: 0, maxTokens: 16, stop: [] };

/** A Generator that answers from a script, counts calls per prompt, and can be held until released. */
class ScriptedGenerator implements Generator {
  readonly identity = { backend: 'test', model: 'scripted' };
  readonly concurrency = 4;
  readonly calls = new Map<string, number>();
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  constructor(private readonly answer: (prompt: string, call: number) => Generation) {}

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  async generate(prompt: string): Promise<Generation> {
    const call = this.calls.get(prompt) ?? 0;
    this.calls.set(prompt, call + 1);
    await this.gate;
    return this.answer(prompt, call);
  }

  async close(): Promise<void> {}
}

const ok = (output: string, retries: FailureReason[] = []): Generation => ({ ok: true, output, finishReason: 'stop', retries });
const failed = (reason: FailureReason, retries: FailureReason[] = []): Generation => ({ ok: false, reason, message: `${reason} happened`, retries, fatal: false });

function open(): RequestStore {
  return RequestStore.open(join(tempDir('w2s-cached-'), 'store.sqlite'));
}

describe('CachedGenerator', () => {
  it('stores each answer as it arrives and reads it back instead of sending it again', async () => {
    const store = open();
    const backend = new ScriptedGenerator((p) => ok(`out ${p}`, p === 'b' ? ['http-429', 'timeout'] : []));
    const cached = new CachedGenerator(backend, store);
    expect(await cached.generate('a', decoding)).toEqual({ ...ok('out a'), cached: false });
    expect(store.get(requestKey(backend.identity, 'a', decoding))).toMatchObject({ status: 'answered', output: 'out a', attempts: 1 });
    await cached.generate('b', decoding);
    expect(store.get(requestKey(backend.identity, 'b', decoding))).toMatchObject({ attempts: 3 });
    expect(await cached.generate('a', decoding)).toEqual({ ...ok('out a'), cached: true });
    expect(backend.calls.get('a')).toBe(1);
    expect(cached.tally).toEqual({
      requests: 3,
      cache_hits: 1,
      sent: 2,
      retries: 2,
      retries_by_reason: { 'http-429': 1, timeout: 1 },
      failures: 0,
      failures_by_reason: {},
    });
  });

  it('sends a prompt asked twice at once only once', async () => {
    const backend = new ScriptedGenerator((p) => ok(`out ${p}`));
    const cached = new CachedGenerator(backend, open());
    backend.hold();
    const both = Promise.all([cached.generate('same', decoding), cached.generate('same', decoding)]);
    backend.release();
    const [first, second] = await both;
    expect(backend.calls.get('same')).toBe(1);
    expect(first).toMatchObject({ output: 'out same', cached: false });
    expect(second).toMatchObject({ output: 'out same', cached: true });
  });

  it('stores a failure with its reason and sends the request again later', async () => {
    const store = open();
    const backend = new ScriptedGenerator((_p, call) => (call === 0 ? failed('http-503', ['http-503']) : ok('finally')));
    const cached = new CachedGenerator(backend, store);
    expect(await cached.generate('x', decoding)).toMatchObject({ ok: false, reason: 'http-503' });
    expect(store.get(requestKey(backend.identity, 'x', decoding))).toEqual({ status: 'failed', reason: 'http-503', message: 'http-503 happened', attempts: 2 });
    expect(cached.tally.failures_by_reason).toEqual({ 'http-503': 1 });
    expect(await cached.generate('x', decoding)).toMatchObject({ ok: true, output: 'finally' });
    expect(store.get(requestKey(backend.identity, 'x', decoding))).toMatchObject({ status: 'answered', attempts: 3 });
  });

  it('does not store a request the run stopped', async () => {
    const store = open();
    const backend = new ScriptedGenerator(() => failed('aborted'));
    const cached = new CachedGenerator(backend, store);
    await cached.generate('x', decoding);
    expect(store.get(requestKey(backend.identity, 'x', decoding))).toBeUndefined();
    expect(cached.tally.failures).toBe(0);
  });

  it('keys requests by decoding as well: another seed is another request', async () => {
    const backend = new ScriptedGenerator((p, call) => ok(`${p} #${call}`));
    const cached = new CachedGenerator(backend, open());
    await cached.generate('p', { ...decoding, seed: 1 });
    await cached.generate('p', { ...decoding, seed: 2 });
    expect(backend.calls.get('p')).toBe(2);
  });
});
