import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { hash, mockServers } from '../backends/mock-openai.js';
import { ETHICS_VAL, GSM8K_TRAIN, MMLU_VAL, readAnswers, readJsonl, tempDir } from '../label/helpers.js';
import { captureStdio } from '../helpers/stdio.js';

const io = captureStdio();
const mock = mockServers();

const FAST = ['--retries', '2', '--timeout', '2'];

function labelArgs(baseUrl: string, out: string, extra: string[] = [], data = MMLU_VAL): string[] {
  return ['label', '--task', 'mmlu', '--split', 'val', '--model', 'weak-7b', '--base-url', baseUrl, '--data', data, '--out', out, ...FAST, ...extra];
}

describe('w2s label (CLI)', () => {
  it('labels a split, prints the summary, and its answers feed w2s score unchanged', async () => {
    const server = await mock();
    const out = tempDir();
    expect(await main(['node', 'w2s', ...labelArgs(server.baseUrl, out, ['--concurrency', '4'])])).toBe(0);
    expect(io.stdout).toMatch(/mmlu val: 21 questions x 5 variations with openai model weak-7b: 21 complete, 0 with failures/);
    expect(io.stdout).toMatch(/requests: 105 \(105 sent, 0 from the store\); retries: 0; failed: 0/);
    expect(io.stdout).toMatch(/unparseable outputs: \d+/);
    for (const name of ['answers.jsonl', 'failures.jsonl', 'summary.json', 'manifest.json', 'store.sqlite']) expect(existsSync(join(out, name))).toBe(true);
    expect(readdirSync(out).filter((name) => name.startsWith('.w2s-staging'))).toEqual([]);
    expect(server.maxInFlight).toBeLessThanOrEqual(4);

    io.stdout = '';
    expect(await main(['node', 'w2s', 'score', '--input', join(out, 'answers.jsonl'), '--out', join(out, 'score'), '--task', 'mmlu'])).toBe(0);
    expect(io.stdout).toMatch(/21 questions, 105 answers/);
    expect(io.stdout).toMatch(/weak-label accuracy \(original prompt\)/);
  });

  it('takes the stop strings, the decoding seed and the chat API from the command line', async () => {
    const server = await mock();
    const out = tempDir();
    const extra = ['--api', 'chat', '--stop', '\n\n', '--stop', 'Question:', '--temperature', '0.5', '--decoding-seed', '9', '--max-tokens', '32', '--limit', '1'];
    expect(await main(['node', 'w2s', ...labelArgs(server.baseUrl, out, extra)])).toBe(0);
    expect(server.requests).toHaveLength(5);
    expect(server.requests[0]?.body).toMatchObject({ stop: ['\n\n', 'Question:'], temperature: 0.5, seed: 9, max_tokens: 32 });
    expect(server.requests[0]?.api).toBe('chat');

    const none = await mock();
    expect(await main(['node', 'w2s', ...labelArgs(none.baseUrl, tempDir(), ['--stop', '', '--limit', '1'])])).toBe(0);
    expect(none.requests[0]?.body.stop).toBeUndefined();
  });

  it('exits 1 with answers for the complete questions when some requests fail for good', async () => {
    const server = await mock({ fault: (r) => (hash(r.prompt) % 9 === 0 ? { kind: 'status', status: 400, body: { error: { message: 'context too long' } } } : undefined) });
    const out = tempDir();
    expect(await main(['node', 'w2s', ...labelArgs(server.baseUrl, out)])).toBe(1);
    const failures = readJsonl(join(out, 'failures.jsonl')) as { reason: string; message: string }[];
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((f) => f.reason === 'http-400' && f.message === 'HTTP 400: context too long')).toBe(true);
    expect(io.stderr).toMatch(/w2s: \d+ of 21 questions have failed requests \(see .*failures.jsonl\); answers.jsonl holds the \d+ complete ones/);
    expect(io.stdout).toMatch(/failed: \d+ \(http-400 \d+\)/);
    expect(readAnswers(out).length).toBeGreaterThan(0);
  });

  it('says how many questions failed for want of paraphrases, where the request counts show no failure', async () => {
    const server = await mock({ output: (prompt) => (prompt.startsWith('Rewrite') && hash(prompt) % 2 === 0 ? 'I cannot do that.' : '42') });
    const out = tempDir();
    const args = ['label', '--task', 'gsm8k', '--split', 'val', '--model', 'weak-7b', '--base-url', server.baseUrl, '--data', GSM8K_TRAIN, '--out', out, '--variations', '3', '--limit', '6', ...FAST];
    expect(await main(['node', 'w2s', ...args])).toBe(1);
    const failed = (readJsonl(join(out, 'failures.jsonl')) as unknown[]).length;
    expect(failed).toBeGreaterThan(0);
    expect(io.stdout).toContain(`${6 - failed} complete, ${failed} with failures (${failed} without usable paraphrases)`);
    expect(io.stdout).toMatch(/^requests: \d+ .*failed: 0$/m);
  });

  it('exits 1 with a summary when the server keeps failing', async () => {
    const server = await mock({ fault: () => ({ kind: 'status', status: 502 }) });
    const out = tempDir();
    expect(await main(['node', 'w2s', ...labelArgs(server.baseUrl, out, ['--max-consecutive-failures', '3', '--retries', '1'])])).toBe(1);
    expect(io.stderr).toMatch(/w2s: stopped: \d+ requests in a row failed \(last: http-502: HTTP 502: injected 502\)\. Every answer received is kept in .*store\.sqlite/);
    expect(io.stdout).toMatch(/retries: \d+ \(http-502 \d+\)/);
    expect(existsSync(join(out, 'answers.jsonl'))).toBe(false);
  });

  it.each<[string, (url: string, out: string) => string[], RegExp]>([
    ['a GGUF model that is not a file', (url, out) => labelArgs(url, out, ['--backend', 'llamacpp']), /weak-7b: no such GGUF file/],
    ['an unknown task', (url, out) => labelArgs(url, out, ['--task', 'squad']), /invalid --task/],
    ['a variation count the task cannot make', (url, out) => labelArgs(url, out, ['--task', 'ethics', '--split', 'test', '--variations', '3'], ETHICS_VAL), /field "--variations": ethics questions have at most 2 variations, got 3/],
    ['a named API key variable that is unset', (url, out) => labelArgs(url, out, ['--api-key-env', 'W2S_SURELY_UNSET_KEY']), /W2S_SURELY_UNSET_KEY holds no API key/],
    ['a base URL that is not one', (_url, out) => labelArgs('localhost:8000', out), /http\(s\) URL/],
    ['zero concurrency', (url, out) => labelArgs(url, out, ['--concurrency', '0']), /invalid --concurrency/],
    ['a missing data file', (url, out) => labelArgs(url, out, [], '/nonexistent/validation.jsonl'), /\/nonexistent\/validation.jsonl, field "--data": no such file/],
  ])('exits 2 on %s without sending anything or making the run folder', async (_case, args, message) => {
    const server = await mock();
    const out = join(tempDir(), 'run');
    expect(await main(['node', 'w2s', ...args(server.baseUrl, out)])).toBe(2);
    expect(io.stderr).toMatch(message);
    expect(io.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(server.requests).toHaveLength(0);
    expect(existsSync(out)).toBe(false);
  });
});

// The compiled CLI in a child process, as a user runs it (`npx tsc -p .` first).
const BIN = 'bin/w2s.js';
const KEY = 'sk-w2s-test-KEY-5f1e9c0d7a3b';

function runChild(args: string[], env: Record<string, string> = {}): { done: Promise<{ code: number | null; signal: string | null; output: string }>; kill: () => void } {
  if (!existsSync('dist/cli/commands/label.js')) throw new Error('dist/ is not built: run `npx tsc -p .` before this test');
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  return { done, kill: () => child.kill('SIGKILL') };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('w2s label (child process)', () => {
  it('resumes after SIGKILL without resending an answered request, and ends with the answers of an uninterrupted run', async () => {
    const server = await mock({ latencyMs: 15, requiredKey: KEY });
    const out = tempDir();
    const args = [...labelArgs(server.baseUrl, out, ['--concurrency', '4', '--api-key-env', 'W2S_TEST_KEY'])];
    const first = runChild(args, { W2S_TEST_KEY: KEY });
    while ([...server.delivered.values()].reduce((a, b) => a + b, 0) < 40) await new Promise((wake) => setTimeout(wake, 2));
    first.kill();
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');

    const db = new Database(join(out, 'store.sqlite'), { readonly: true });
    const answered = new Set((db.prepare("SELECT prompt FROM requests WHERE status = 'answered'").all() as { prompt: string }[]).map((r) => r.prompt));
    db.close();
    // Killed mid-run: some answers are in the store, not all, and no answers file was written.
    expect(answered.size).toBeGreaterThan(0);
    expect(answered.size).toBeLessThan(105);
    expect(existsSync(join(out, 'answers.jsonl'))).toBe(false);

    const before = server.requests.length;
    const second = await runChild(args, { W2S_TEST_KEY: KEY }).done;
    expect(second.code).toBe(0);
    const resent = server.requests.slice(before).filter((r) => answered.has(r.prompt));
    expect(resent).toEqual([]);
    expect(second.output).toContain(`(${105 - answered.size} sent, ${answered.size} from the store)`);

    const fresh = tempDir();
    const uninterrupted = await runChild(labelArgs(server.baseUrl, fresh, ['--api-key-env', 'W2S_TEST_KEY']), { W2S_TEST_KEY: KEY }).done;
    expect(uninterrupted.code).toBe(0);
    expect(readFileSync(join(out, 'answers.jsonl'), 'utf8')).toBe(readFileSync(join(fresh, 'answers.jsonl'), 'utf8'));

    // The key was sent with every request, and written nowhere.
    expect(server.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
    for (const output of [killed.output, second.output, uninterrupted.output]) expect(output).not.toContain(KEY);
    for (const file of [...filesUnder(out), ...filesUnder(fresh)]) expect(readFileSync(file).includes(KEY), file).toBe(false);
  });

  it('writes the API key nowhere even when the server echoes it in errors and outputs', async () => {
    const server = await mock({
      requiredKey: KEY,
      fault: (r) => (hash(r.prompt) % 3 === 0 ? { kind: 'status', status: 500, body: { error: { message: `upstream rejected ${r.authorization}` } } } : undefined),
      output: (prompt) => ` A. (request ${hash(prompt) % 100} carried Bearer ${KEY})`,
    });
    const out = tempDir();
    const result = await runChild([...labelArgs(server.baseUrl, out, ['--api-key-env', 'W2S_TEST_KEY', '--max-failure-rate', '1', '--max-consecutive-failures', '1000'])], { W2S_TEST_KEY: KEY }).done;
    expect(result.code).toBe(1);
    const failures = readJsonl(join(out, 'failures.jsonl')) as { message: string }[];
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]?.message).toContain('[API key]');
    expect(result.output).not.toContain(KEY);
    const files = filesUnder(out);
    expect(files.some((f) => f.endsWith('store.sqlite'))).toBe(true);
    for (const file of files) expect(readFileSync(file).includes(KEY), file).toBe(false);
  });
});
