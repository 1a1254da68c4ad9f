import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIGenerator, parseChoice, requestBody, type OpenAIOptions } from '../../src/backends/openai.js';
import { splitBaseUrl } from '../../src/backends/http-pool.js';
import { DEFAULT_DECODING, type Decoding, type Generation } from '../../src/backends/types.js';
import { W2sError } from '../../src/errors.js';
import { defaultOutput, mockServers, type Fault } from './mock-openai.js';

const mock = mockServers();
const generators: OpenAIGenerator[] = [];
// Registered after mockServers' hook, so it runs first (after-hooks run in reverse): generators close before servers.
afterEach(async () => {
  await Promise.all(generators.splice(0).map((g) => g.close()));
});

// Fast retries so that the fault tests take milliseconds.
function generator(baseUrls: string[], options: Partial<OpenAIOptions> = {}): OpenAIGenerator {
  const g = new OpenAIGenerator({
    baseUrls,
    model: 'weak-7b',
    concurrency: 4,
    timeoutMs: 2_000,
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
  generators.push(g);
  return g;
}

const decoding: Decoding = { ...DEFAULT_DECODING };
const PROMPT = '### Instruction: The following are multiple choice questions about x. In your response, choose an answer from A,B,C,D, and provide a brief explanation on your answer. ### Question: q. A. a. B. b. C. c. D. d. ### Answer:';

function expectOk(result: Generation): asserts result is Generation & { ok: true } {
  if (!result.ok) throw new Error(`expected an answer, got ${result.reason}: ${result.message}`);
}

describe('OpenAIGenerator: answers too large to read', () => {
  it('cuts off an answer beyond the byte limit, retries it as a broken answer, then fails without holding it', async () => {
    const server = await mock({ output: () => 'x'.repeat(2 << 20) });
    const result = await generator([server.baseUrl], { maxResponseBytes: 1 << 20 }).generate(PROMPT, decoding);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('bad-response');
    expect(result.message).toContain('larger than 1048576 bytes');
    expect(result.retries).toEqual(['bad-response', 'bad-response', 'bad-response']);
  });

  it('reads an answer within the limit as before', async () => {
    const server = await mock({ output: () => 'y'.repeat(1000) });
    const result = await generator([server.baseUrl], { maxResponseBytes: 1 << 20 }).generate(PROMPT, decoding);
    expectOk(result);
    expect(result.output).toBe('y'.repeat(1000));
  });
});

describe('OpenAIGenerator: requests', () => {
  it('sends the raw prompt to /v1/completions with the decoding parameters and the key as a Bearer header', async () => {
    const server = await mock();
    const g = generator([server.baseUrl], { apiKey: 'sk-test-1' });
    const result = await g.generate(PROMPT, { temperature: 0, maxTokens: 64, stop: ['###', '\n\n'], topP: 0.9, seed: 7 });
    expectOk(result);
    expect(result.output).toBe(defaultOutput(PROMPT));
    expect(result.finishReason).toBe('stop');
    expect(result.retries).toEqual([]);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.api).toBe('completions');
    expect(request?.authorization).toBe('Bearer sk-test-1');
    expect(request?.body).toEqual({ model: 'weak-7b', prompt: PROMPT, max_tokens: 64, temperature: 0, stop: ['###', '\n\n'], top_p: 0.9, seed: 7, n: 1, stream: false });
  });

  it('sends the prompt as one user message to /v1/chat/completions and reads message.content', async () => {
    const server = await mock();
    const g = generator([server.baseUrl], { api: 'chat' });
    const result = await g.generate(PROMPT, decoding);
    expectOk(result);
    expect(result.output).toBe(defaultOutput(PROMPT));
    expect(server.requests[0]?.api).toBe('chat');
    expect(server.requests[0]?.body.messages).toEqual([{ role: 'user', content: PROMPT }]);
    expect(server.requests[0]?.authorization).toBeUndefined();
  });

  it('leaves out the parameters left at the server default', () => {
    expect(requestBody('completions', 'm', 'p', { temperature: 0, maxTokens: 5, stop: [] })).toEqual({ model: 'm', prompt: 'p', max_tokens: 5, temperature: 0, n: 1, stream: false });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const server = await mock({ latencyMs: 20 });
    const g = generator([server.baseUrl], { concurrency: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => g.generate(`${PROMPT} ${i}`, decoding)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.maxInFlight).toBeLessThanOrEqual(3);
    expect(server.maxInFlight).toBeGreaterThan(1);
  });

  it('spreads requests over replicas and goes on when one of them is down', async () => {
    const a = await mock({ latencyMs: 10 });
    const b = await mock({ latencyMs: 10 });
    const g = generator([a.baseUrl, b.baseUrl], { concurrency: 8 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => g.generate(`${PROMPT} ${i}`, decoding)));
    expect(a.requests.length).toBeGreaterThanOrEqual(10);
    expect(b.requests.length).toBeGreaterThanOrEqual(10);

    const down = await closedPortUrl();
    const c = await mock();
    const g2 = generator([down, c.baseUrl], { concurrency: 4 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => g2.generate(`${PROMPT} ${i}`, decoding)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(c.requests).toHaveLength(10);
  });
});

describe('OpenAIGenerator: faults', () => {
  // Each fault once, then a good answer: the request succeeds and says what it retried.
  it.each<[string, Fault, string]>([
    ['429', { kind: 'status', status: 429 }, 'http-429'],
    ['500', { kind: 'status', status: 500, body: '<html>Internal Server Error</html>' }, 'http-500'],
    ['503', { kind: 'status', status: 503 }, 'http-503'],
    ['a reset connection', { kind: 'reset' }, 'connection'],
    ['a body cut mid-way', { kind: 'cut' }, 'connection'],
    ['an answer slower than the timeout', { kind: 'slow', ms: 2_000 }, 'timeout'],
    ['truncated JSON', { kind: 'truncated' }, 'bad-response'],
    ['a wrong shape', { kind: 'wrong-shape', body: { result: 'A' } }, 'bad-response'],
    ['a non-string text', { kind: 'wrong-shape', body: { choices: [{ text: 5 }] } }, 'bad-response'],
    ['empty choices', { kind: 'empty-choices' }, 'bad-response'],
  ])('recovers from %s', async (_name, fault, reason) => {
    const server = await mock({ fault: (_r, previous) => (previous === 0 ? fault : undefined) });
    const g = generator([server.baseUrl], { timeoutMs: 500 });
    const result = await g.generate(PROMPT, decoding);
    expectOk(result);
    expect(result.output).toBe(defaultOutput(PROMPT));
    expect(result.retries).toEqual([reason]);
    expect(server.requests).toHaveLength(2);
  });

  it.each<[string, Fault, string, RegExp]>([
    ['500', { kind: 'status', status: 500, body: '<html>Internal Server Error</html>' }, 'http-500', /HTTP 500: <html>Internal Server Error<\/html>/],
    ['a reset connection', { kind: 'reset' }, 'connection', /UND_ERR_SOCKET|ECONNRESET|closed/],
    ['an answer slower than the timeout', { kind: 'slow', ms: 2_000 }, 'timeout', /no complete answer within 500 ms/],
    ['truncated JSON', { kind: 'truncated' }, 'bad-response', /not JSON/],
    ['empty choices', { kind: 'empty-choices' }, 'bad-response', /empty "choices"/],
    ['chat content null', { kind: 'wrong-shape', body: { choices: [{ message: { content: null } }] } }, 'bad-response', /"choices\[0\]\.text" is not a string/],
  ])('fails with its reason after the retries when %s persists', async (_name, fault, reason, message) => {
    const server = await mock({ fault: () => fault });
    const g = generator([server.baseUrl], { timeoutMs: 500 });
    const result = await g.generate(PROMPT, decoding);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe(reason);
    expect(result.message).toMatch(message);
    expect(result.retries).toEqual([reason, reason, reason]);
    expect(result.fatal).toBe(false);
    expect(server.requests).toHaveLength(4);
  });

  it('waits as long as Retry-After says, in seconds or as an HTTP date', async () => {
    const server = await mock({ fault: (_r, previous) => (previous === 0 ? { kind: 'status', status: 429, retryAfter: '1' } : undefined) });
    const g = generator([server.baseUrl]);
    const started = performance.now();
    expectOk(await g.generate(PROMPT, decoding));
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);

    const date = new Date(Date.now() + 2_000).toUTCString();
    const dated = await mock({ fault: (_r, previous) => (previous === 0 ? { kind: 'status', status: 503, retryAfter: date } : undefined) });
    const g2 = generator([dated.baseUrl]);
    const t0 = performance.now();
    expectOk(await g2.generate(PROMPT, decoding));
    // The date has a resolution of one second: the wait is between 1 and 2 s.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('fails at once when Retry-After asks for longer than the limit', async () => {
    const server = await mock({ fault: () => ({ kind: 'status', status: 429, retryAfter: '3600' }) });
    const g = generator([server.baseUrl], { retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 60_000 } });
    const started = performance.now();
    const result = await g.generate(PROMPT, decoding);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/asked to wait 3600 s, longer than the 60 s limit/);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a refused request; a refused key or unknown model is fatal', async () => {
    const bad = await mock({ fault: () => ({ kind: 'status', status: 400, body: { error: { message: 'prompt too long' } } }) });
    const result = await generator([bad.baseUrl]).generate(PROMPT, decoding);
    expect(result).toMatchObject({ ok: false, reason: 'http-400', fatal: false, retries: [] });
    if (!result.ok) expect(result.message).toBe('HTTP 400: prompt too long');
    expect(bad.requests).toHaveLength(1);

    const auth = await mock({ requiredKey: 'sk-right' });
    const refused = await generator([auth.baseUrl], { apiKey: 'sk-wrong-key-12345' }).generate(PROMPT, decoding);
    expect(refused).toMatchObject({ ok: false, reason: 'http-401', fatal: true });
    expect(auth.requests).toHaveLength(1);
  });

  it('keeps the API key out of failure messages and outputs, even when the server echoes it', async () => {
    const key = 'sk-SECRET-echo-0123456789';
    const auth = await mock({ requiredKey: 'another-key' });
    const refused = await generator([auth.baseUrl], { apiKey: key }).generate(PROMPT, decoding);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.message).not.toContain(key);
      expect(refused.message).toContain('[API key]');
    }
    const echo = await mock({ output: () => `my key is ${key}` });
    const result = await generator([echo.baseUrl], { apiKey: key }).generate(PROMPT, decoding);
    expectOk(result);
    expect(result.output).toBe('my key is [API key]');
  });

  it('stops waiting and sending when the signal aborts', async () => {
    const server = await mock({ fault: () => ({ kind: 'status', status: 503, retryAfter: '30' }) });
    const stop = new AbortController();
    const pending = generator([server.baseUrl], { retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 60_000 } }).generate(PROMPT, decoding, stop.signal);
    setTimeout(() => stop.abort(), 50);
    const result = await pending;
    expect(result).toMatchObject({ ok: false, reason: 'aborted' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('parseChoice', () => {
  it('reads completions and chat answers and their finish reason', () => {
    expect(parseChoice('completions', JSON.stringify({ choices: [{ text: ' A', finish_reason: 'length' }] }))).toEqual({ output: ' A', finishReason: 'length' });
    expect(parseChoice('chat', JSON.stringify({ choices: [{ message: { content: 'B' } }] }))).toEqual({ output: 'B', finishReason: null });
  });

  it('names what is wrong with a broken answer', () => {
    expect(parseChoice('completions', '')).toEqual({ problem: 'the answer is not JSON (truncated?): (empty body)' });
    expect(parseChoice('completions', '[1]')).toMatchObject({ problem: expect.stringMatching(/no "choices" list/) });
    expect(parseChoice('completions', '{"choices":[3]}')).toMatchObject({ problem: expect.stringMatching(/"choices\[0\]" is not an object/) });
    expect(parseChoice('chat', '{"choices":[{"text":"A"}]}')).toMatchObject({ problem: expect.stringMatching(/"choices\[0\]\.message\.content" is not a string/) });
  });
});

describe('splitBaseUrl', () => {
  it('keeps the base path and takes /v1 for a bare origin', () => {
    expect(splitBaseUrl('http://localhost:8000/v1')).toEqual({ origin: 'http://localhost:8000', prefix: '/v1' });
    expect(splitBaseUrl('http://localhost:8000/v1/')).toEqual({ origin: 'http://localhost:8000', prefix: '/v1' });
    expect(splitBaseUrl('http://localhost:11434')).toEqual({ origin: 'http://localhost:11434', prefix: '/v1' });
    expect(splitBaseUrl('https://proxy.example/openai/v1')).toEqual({ origin: 'https://proxy.example', prefix: '/openai/v1' });
  });

  it('rejects what is not an http(s) URL, and credentials in the URL', () => {
    expect(() => splitBaseUrl('localhost:8000')).toThrow(W2sError);
    expect(() => splitBaseUrl('ftp://host/v1')).toThrow(/http\(s\)/);
    expect(() => splitBaseUrl('http://user:sk-123@host/v1')).toThrow(/must not hold credentials/);
  });

  it('refuses a query string (it would be dropped, and may hold a key) instead of dropping it', () => {
    expect(() => splitBaseUrl('https://proxy.example/v1?api-key=sk-secret')).toThrow(/must not have a query string/);
    expect(() => splitBaseUrl('https://proxy.example/v1?api-key=sk-secret')).not.toThrow(/sk-secret/);
    expect(() => splitBaseUrl('https://proxy.example/v1#x')).toThrow(/must not have a query string or fragment/);
  });
});

// A loopback URL on which nothing listens (connection refused).
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((ready) => probe.listen(0, '127.0.0.1', ready));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return `http://127.0.0.1:${port}/v1`;
}
