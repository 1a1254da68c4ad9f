import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecords } from '../../src/datasets/records.js';
import { materialiseSplit } from '../../src/datasets/splits.js';
import { W2sError } from '../../src/errors.js';
import { runLabel } from '../../src/label/label.js';
import { variationRng } from '../../src/label/variations.js';
import { score } from '../../src/score/score.js';
import { getTask } from '../../src/tasks/registry.js';
import { defaultOutput, hash, mockServers } from '../backends/mock-openai.js';
import { ETHICS_VAL, GSM8K_TRAIN, HELLASWAG_VALIDATION, MMLU_VAL, labelConfig, readAnswers, readJsonl, tempDir } from './helpers.js';

const mock = mockServers();

describe('runLabel', () => {
  it('writes the answers contract in question then variant order, whatever order the answers came in', async () => {
    // Latency that varies by prompt makes the answers arrive out of order.
    const server = await mock({ fault: (r) => ({ kind: 'slow', ms: hash(r.prompt) % 15 }) });
    const out = tempDir();
    const summary = await runLabel(labelConfig(server.baseUrl, out));

    const task = getTask('mmlu');
    const records = (await loadRecords(task, MMLU_VAL)).records;
    const answers = readAnswers(out);
    expect(answers).toHaveLength(records.length * 5);
    records.forEach((record, q) => {
      const variations = task.variations(record, 5, variationRng(0, record.id));
      variations.forEach((variation, v) => {
        const line = answers[q * 5 + v];
        expect(line).toEqual({
          id: record.id,
          variant: v,
          prompt: variation.prompt,
          output: defaultOutput(variation.prompt),
          answer: task.parseAnswer(defaultOutput(variation.prompt), variation),
          gold: record.gold,
          choices: variation.choices,
        });
      });
      expect(answers[q * 5]?.prompt).toBe(task.prompt(record));
    });
    const unparseable = answers.filter((a) => a.answer === null).length;
    expect(unparseable).toBeGreaterThan(0);
    expect(summary).toMatchObject({
      task: 'mmlu',
      split: 'val',
      questions: 21,
      complete_questions: 21,
      failed_questions: 0,
      requests: 105,
      sent: 105,
      cache_hits: 0,
      failures: 0,
      unparseable,
      stopped: null,
    });
    expect(readJsonl(join(out, 'failures.jsonl'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ questions: 21, requests: 105 });
    expect(server.maxInFlight).toBeLessThanOrEqual(8);
  });

  it('sends nothing again on a rerun and writes the same answers', async () => {
    const server = await mock();
    const out = tempDir();
    await runLabel(labelConfig(server.baseUrl, out));
    const first = readFileSync(join(out, 'answers.jsonl'), 'utf8');
    const sent = server.requests.length;
    const summary = await runLabel(labelConfig(server.baseUrl, out));
    expect(server.requests.length).toBe(sent);
    expect(summary).toMatchObject({ requests: 105, sent: 0, cache_hits: 105 });
    expect(readFileSync(join(out, 'answers.jsonl'), 'utf8')).toBe(first);
  });

  it('ends every question answered or recorded failed with its reason when the server misbehaves', async () => {
    const faults = [
      { kind: 'status', status: 429, retryAfter: '0' },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 503 },
      { kind: 'reset' },
      { kind: 'cut' },
      { kind: 'slow', ms: 2_000 },
      { kind: 'truncated' },
      { kind: 'wrong-shape', body: { object: 'error' } },
      { kind: 'empty-choices' },
    ] as const;
    // Every request meets one fault first; one prompt in seven keeps failing (each its own way) for good.
    const server = await mock({
      fault: (r, previous) => {
        const h = hash(r.prompt);
        const fault = faults[h % faults.length];
        return previous === 0 || h % 7 === 0 ? fault : undefined;
      },
    });
    const out = tempDir();
    const summary = await runLabel(labelConfig(server.baseUrl, out, { failureStop: { maxConsecutiveFailures: 1000, maxFailureRate: 1, minRequestsForRate: 1 } }, { timeoutMs: 600 }));
    expect(summary.stopped).toBeNull();
    expect(summary.retries).toBeGreaterThanOrEqual(105);
    expect(Object.keys(summary.retries_by_reason).sort()).toEqual(['bad-response', 'connection', 'http-429', 'http-500', 'http-503', 'timeout']);

    const answers = readAnswers(out);
    const failures = readJsonl(join(out, 'failures.jsonl')) as { id: string; variant: number; reason: string; message: string }[];
    const answeredIds = new Set(answers.map((a) => a.id));
    const failedIds = new Set(failures.map((f) => f.id));
    expect(failures.length).toBeGreaterThan(0);
    expect(summary.failures).toBe(failures.length);
    expect(answeredIds.size + failedIds.size).toBe(21);
    for (const id of failedIds) expect(answeredIds.has(id)).toBe(false);
    for (const f of failures) {
      expect(['http-429', 'http-500', 'http-503', 'connection', 'timeout', 'bad-response']).toContain(f.reason);
      expect(f.message).not.toBe('');
    }
    expect(answers.filter((a) => a.variant === 0)).toHaveLength(answeredIds.size);
    expect(summary.complete_questions).toBe(answeredIds.size);

    // The failures are in the store too, and only they are sent again on a rerun against a healthy server.
    const healthy = await mock();
    const rerun = await runLabel(labelConfig(healthy.baseUrl, out));
    expect(rerun.sent).toBe(failures.length);
    expect(new Set(healthy.requests.map((r) => r.prompt)).size).toBe(failures.length);
    expect(rerun.complete_questions).toBe(21);
  });

  it('stops after persistent failure, keeps what was answered, and resumes with only the missing requests', async () => {
    let answered = 0;
    const server = await mock({ fault: () => (answered++ < 30 ? undefined : { kind: 'status', status: 503 }) });
    const out = tempDir();
    const summary = await runLabel(labelConfig(server.baseUrl, out, { failureStop: { maxConsecutiveFailures: 5, maxFailureRate: 1, minRequestsForRate: 50 } }));
    expect(summary.stopped).toMatch(/^\d+ requests in a row failed \(last: http-503: HTTP 503: injected 503\)$/);
    expect(existsSync(join(out, 'answers.jsonl'))).toBe(false);
    const sentBefore = server.requests.length;
    expect(sentBefore).toBeLessThan(30 + 3 * 20);

    const healthy = await mock();
    const rerun = await runLabel(labelConfig(healthy.baseUrl, out));
    expect(rerun.stopped).toBeNull();
    expect(rerun.cache_hits).toBe(30);
    expect(rerun.sent).toBe(75);
    const delivered = new Set(server.requests.slice(0, 30).map((r) => r.prompt));
    for (const r of healthy.requests) expect(delivered.has(r.prompt)).toBe(false);
    expect(readAnswers(out)).toHaveLength(105);
  });

  it('stops at the first refused key', async () => {
    const server = await mock({ requiredKey: 'sk-right' });
    const out = tempDir();
    const summary = await runLabel(labelConfig(server.baseUrl, out, { env: { W2S_TEST_KEY: 'sk-wrong' } }));
    expect(summary.stopped).toMatch(/no retry can mend \(http-401: HTTP 401 \(the server refused the API key/);
    expect(server.requests.length).toBeLessThanOrEqual(8);
  });

  it('stops when interrupted, keeping what was answered', async () => {
    const server = await mock({ latencyMs: 20 });
    const out = tempDir();
    const interrupt = new AbortController();
    const config = labelConfig(server.baseUrl, out, {
      signal: interrupt.signal,
      onProgress: (p) => {
        if (p.stage === 'label' && p.done === 20) interrupt.abort();
      },
    });
    const summary = await runLabel(config);
    expect(summary.stopped).toBe('interrupted');
    expect(server.requests.length).toBeLessThan(105);
    // What was not asked yet is unfinished, not failed: nothing failed.
    expect(summary).toMatchObject({ questions: 21, failed_questions: 0, failures: 0 });
    expect(summary.complete_questions).toBeGreaterThanOrEqual(3);
    expect(summary.unfinished_questions).toBe(21 - summary.complete_questions);
    const rerun = await runLabel(labelConfig(server.baseUrl, out));
    expect(rerun.cache_hits).toBeGreaterThanOrEqual(20);
    expect(rerun.cache_hits + rerun.sent).toBe(105);
  });

  it('labels the first K questions with --limit and N variations of a binary task', async () => {
    const server = await mock();
    const out = tempDir();
    const summary = await runLabel(labelConfig(server.baseUrl, out, { task: 'ethics', split: 'test', source: { data: [ETHICS_VAL], cacheDir: out, seed: 0 }, limit: 4 }));
    expect(summary).toMatchObject({ questions: 4, variations: 2, requests: 8 });
    const answers = readAnswers(out);
    expect(answers.map((a) => [a.id, a.variant])).toEqual([0, 0, 1, 1, 2, 2, 3, 3].map((q, i) => [`ethics/validation/${q}`, i % 2]));
    expect(answers.every((a) => a.answer === '0' || a.answer === '1')).toBe(true);
    expect(answers.every((a) => a.choices === undefined)).toBe(true);
  });

  it('labels HellaSwag, whose val split is half of the hub validation split', async () => {
    const server = await mock();
    const out = tempDir();
    const summary = await runLabel(labelConfig(server.baseUrl, out, { task: 'hellaswag', split: 'val', source: { data: [HELLASWAG_VALIDATION], cacheDir: out, seed: 0 } }));
    expect(summary).toMatchObject({ questions: 10, complete_questions: 10, requests: 50 });
    const answers = readAnswers(out);
    expect(answers.every((a) => a.choices?.length === 4 && typeof a.gold === 'string')).toBe(true);
    expect(answers.filter((a) => a.answer !== null).every((a) => a.choices?.includes(a.answer as string))).toBe(true);
  });

  it('rejects a variation count the task cannot make', async () => {
    const server = await mock();
    const out = tempDir();
    const error = await runLabel(labelConfig(server.baseUrl, out, { task: 'ethics', split: 'test', source: { data: [ETHICS_VAL], cacheDir: out, seed: 0 }, variations: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).message).toMatch(/field "--variations": ethics questions have at most 2 variations, got 3/);
    expect(server.requests).toHaveLength(0);
  });

  it('paraphrases GSM8K questions with the model, caches the rewrites, and labels each paraphrase', async () => {
    const server = await mock();
    const out = tempDir();
    const config = labelConfig(server.baseUrl, out, { task: 'gsm8k', split: 'val', source: { data: [GSM8K_TRAIN], cacheDir: out, seed: 0 }, variations: 3, limit: 4 });
    const summary = await runLabel(config);
    expect(summary).toMatchObject({ questions: 4, complete_questions: 4, requests: 12, paraphrase: { requests: 4, sent: 4, failed_questions: 0 } });
    const task = getTask('gsm8k');
    const records = materialiseSplit(task, { train: (await loadRecords(task, GSM8K_TRAIN)).records }, 0, 'val').slice(0, 4);
    const answers = readAnswers(out);
    records.forEach((record, q) => {
      expect(answers[q * 3]?.prompt).toBe(task.prompt(record));
      expect(answers[q * 3 + 1]?.prompt).toContain('Please solve this:');
      expect(answers[q * 3 + 2]?.prompt).toContain('Here is a problem.');
      expect(answers[q * 3 + 1]?.gold).toBe(record.gold);
    });
    const rewrites = server.requests.filter((r) => r.prompt.startsWith('Rewrite the following'));
    expect(rewrites).toHaveLength(4);
    expect(rewrites[0]?.body).toMatchObject({ temperature: 0.7, max_tokens: 1024 });

    const before = server.requests.length;
    const rerun = await runLabel(config);
    expect(server.requests.length).toBe(before);
    expect(rerun.paraphrase).toMatchObject({ requests: 4, cache_hits: 4, sent: 0 });
  });

  it('records a question whose paraphrases cannot be had as failed, and labels the others', async () => {
    const server = await mock({ output: (prompt) => (prompt.startsWith('Rewrite') && hash(prompt) % 2 === 0 ? 'I cannot do that.' : defaultOutput(prompt)) });
    const out = tempDir();
    const summary = await runLabel(labelConfig(server.baseUrl, out, { task: 'gsm8k', split: 'val', source: { data: [GSM8K_TRAIN], cacheDir: out, seed: 0 }, variations: 3, limit: 6, paraphrase: { source: 'llm', maxAttempts: 2 } }));
    const failures = readJsonl(join(out, 'failures.jsonl')) as { id: string; variant: null; reason: string; message: string }[];
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.length).toBeLessThan(6);
    for (const f of failures) expect(f).toMatchObject({ variant: null, reason: 'paraphrase', message: expect.stringMatching(/0 of 2 usable paraphrases after 2 requests/) });
    expect(summary.failed_questions).toBe(failures.length);
    expect(summary.paraphrase?.failed_questions).toBe(failures.length);
    expect(summary.unfinished_questions).toBe(0);
    expect(readAnswers(out)).toHaveLength((6 - failures.length) * 3);
  });

  it('uses the built-in template paraphrases when told, with no rewrite requests', async () => {
    const server = await mock();
    const out = tempDir();
    const summary = await runLabel(labelConfig(server.baseUrl, out, { task: 'gsm8k', split: 'val', source: { data: [GSM8K_TRAIN], cacheDir: out, seed: 0 }, limit: 3, paraphrase: { source: 'template' } }));
    expect(summary).toMatchObject({ questions: 3, variations: 5, requests: 15 });
    expect(summary.paraphrase).toBeUndefined();
    expect(server.requests.every((r) => !r.prompt.startsWith('Rewrite'))).toBe(true);
  });

  it('writes answers that w2s score reads unchanged', async () => {
    const server = await mock();
    const out = tempDir();
    await runLabel(labelConfig(server.baseUrl, out));
    const scored = await score({ input: join(out, 'answers.jsonl'), out: join(out, 'score'), temperature: 0.2, tauPercentile: 50, seed: 0, completion: 'output' });
    expect(scored).toMatchObject({ questions: 21, rows: 105 });
    expect(scored.unparseable_rows).toBe(readAnswers(out).filter((a) => a.answer === null).length);
    expect(scored.gold?.questions_with_gold).toBe(21);
  });

  it('names the missing hub files when no --data is given', async () => {
    const out = tempDir();
    const config = labelConfig('http://127.0.0.1:9/v1', out, { source: { cacheDir: resolve(out, 'empty-cache'), seed: 0 } });
    await expect(runLabel(config)).rejects.toThrow(/"validation" split is not in the cache .*w2s data fetch mmlu --split validation/);
  });
});
