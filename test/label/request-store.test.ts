import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Decoding, GeneratorIdentity } from '../../src/backends/types.js';
import { W2sError } from '../../src/errors.js';
import { RequestStore, requestKey } from '../../src/label/request-store.js';

const identity: GeneratorIdentity = { backend: 'openai', model: 'weak-7b', api: 'completions' };
const decoding: Decoding = { temperature: 0, maxTokens: 128, stop: ['###'] };

function tempStore(): { path: string; store: RequestStore } {
  const path = join(mkdtempSync(join(tmpdir(), 'w2s-store-')), 'store.sqlite');
  return { path, store: RequestStore.open(path) };
}

function meta(prompt: string) {
  return { key: requestKey(identity, prompt, decoding), identity, prompt, decoding };
}

describe('requestKey', () => {
  it('changes with the backend, model, api, prompt and every decoding parameter', () => {
    const base = requestKey(identity, 'p', decoding);
    const variants = [
      requestKey({ ...identity, backend: 'llamacpp' }, 'p', decoding),
      requestKey({ ...identity, model: 'weak-13b' }, 'p', decoding),
      requestKey({ ...identity, api: 'chat' }, 'p', decoding),
      requestKey(identity, 'p ', decoding),
      requestKey(identity, 'p', { ...decoding, temperature: 0.7 }),
      requestKey(identity, 'p', { ...decoding, maxTokens: 64 }),
      requestKey(identity, 'p', { ...decoding, stop: [] }),
      requestKey(identity, 'p', { ...decoding, topP: 0.9 }),
      requestKey(identity, 'p', { ...decoding, seed: 1 }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for equal requests however their objects were built', () => {
    const reordered = { stop: ['###'], maxTokens: 128, temperature: 0 } as Decoding;
    expect(requestKey(identity, 'p', reordered)).toBe(requestKey(identity, 'p', decoding));
    expect(requestKey(identity, 'p', { ...decoding, seed: undefined })).toBe(requestKey(identity, 'p', decoding));
  });
});

describe('RequestStore', () => {
  it('keeps answers and failures across reopening, in WAL mode', () => {
    const { path, store } = tempStore();
    store.saveAnswer(meta('a'), ' B. blue', 'stop', 2);
    store.saveFailure(meta('b'), 'http-503', 'HTTP 503: busy', 7);
    store.close();
    const again = RequestStore.open(path);
    expect(again.get(meta('a').key)).toEqual({ status: 'answered', output: ' B. blue', finishReason: 'stop', attempts: 2 });
    expect(again.get(meta('b').key)).toEqual({ status: 'failed', reason: 'http-503', message: 'HTTP 503: busy', attempts: 7 });
    expect(again.get(meta('c').key)).toBeUndefined();
    expect(again.counts()).toEqual({ answered: 1, failed: 1 });
    again.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('lets an answer replace a failure but never a failure replace an answer; attempts add up', () => {
    const { store } = tempStore();
    store.saveFailure(meta('a'), 'timeout', 'slow', 3);
    store.saveAnswer(meta('a'), 'out', null, 1);
    expect(store.get(meta('a').key)).toEqual({ status: 'answered', output: 'out', finishReason: null, attempts: 4 });
    store.saveFailure(meta('a'), 'http-500', 'boom', 2);
    expect(store.get(meta('a').key)).toMatchObject({ status: 'answered', output: 'out' });
    store.close();
  });

  it('keeps each outcome as a row: a reopened store knows the first answer and the attempts of every row', () => {
    const { path, store } = tempStore();
    store.saveFailure(meta('a'), 'http-429', 'busy', 7);
    store.saveFailure(meta('b'), 'timeout', 'slow', 2);
    store.close();
    const second = RequestStore.open(path);
    second.saveFailure(meta('b'), 'connection', 'reset', 1);
    second.saveAnswer(meta('a'), 'first', 'stop', 1);
    second.saveAnswer(meta('a'), 'second', 'stop', 1);
    second.close();
    const third = RequestStore.open(path);
    expect(third.get(meta('a').key)).toEqual({ status: 'answered', output: 'first', finishReason: 'stop', attempts: 8 });
    expect(third.get(meta('b').key)).toEqual({ status: 'failed', reason: 'connection', message: 'reset', attempts: 3 });
    expect(third.counts()).toEqual({ answered: 1, failed: 1 });
    third.close();
  });

  it('is used by one process at a time', () => {
    const { path, store } = tempStore();
    store.saveAnswer(meta('a'), 'out', null, 1);
    expect(() => RequestStore.open(path)).toThrow(/another w2s process is using this request store/);
    store.close();
    RequestStore.open(path).close();
  });

  it('stores what was asked, readable with any SQLite client', () => {
    const { path, store } = tempStore();
    store.saveAnswer(meta('the prompt'), 'out', 'stop', 1);
    store.close();
    const db = new Database(path, { readonly: true });
    const row = db.prepare('SELECT backend, model, api, prompt, decoding, status FROM requests').get();
    db.close();
    expect(row).toEqual({
      backend: 'openai',
      model: 'weak-7b',
      api: 'completions',
      prompt: 'the prompt',
      decoding: '{"temperature":0,"max_tokens":128,"stop":["###"],"top_p":null,"seed":null}',
      status: 'answered',
    });
  });

  it('refuses a file that is not a store, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-store-'));
    const junk = join(dir, 'store.sqlite');
    writeFileSync(junk, 'this is not a database, just some text that is long enough to have a header '.repeat(4));
    expect(() => RequestStore.open(junk)).toThrow(W2sError);
    expect(() => RequestStore.open(junk)).toThrow(junk);

    const other = join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(() => RequestStore.open(other)).toThrow(/not a w2s request store of version 1/);
  });
});
