import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/backends/hf/json-lines.js';
import { Sidecar, runSidecar } from '../../../src/backends/hf/sidecar.js';
import { W2sError } from '../../../src/errors.js';
import { FAKE_PYTHON, alive, readLog, tempDir, until } from './helpers.js';

/** A train run of the fake sidecar in `mode`, with a request for `steps` steps. */
async function fakeTrain(mode: string, steps: number): Promise<{ args: string[]; env: NodeJS.ProcessEnv; log: string; out: string }> {
  const dir = tempDir();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'rows.jsonl'), '{"id":"a","prompt":"p","completion":"c","weight":1}\n');
  const request = { base: 'b', rows: join(dir, 'rows.jsonl'), out: join(dir, 'out'), lora: null, learning_rate: 0.1, batch_size: 1, epochs: 1, max_steps: steps };
  writeFileSync(join(dir, 'request.json'), JSON.stringify(request));
  const log = join(dir, 'log.jsonl');
  return { args: ['-m', 'w2s_hf', 'train', '--request', join(dir, 'request.json')], env: { ...process.env, FAKE_MODE: mode, FAKE_LOG: log }, log, out: join(dir, 'out') };
}

describe('Sidecar', () => {
  it('delivers every stdout object in order, even when lines arrive byte by byte', async () => {
    const run = await fakeTrain('chunked', 5);
    const messages: Record<string, unknown>[] = [];
    await runSidecar({ command: FAKE_PYTHON, args: run.args, env: run.env, name: 'fake', onMessage: (m) => messages.push(m), stderr: () => undefined });
    expect(messages.map((m) => m.event)).toEqual(['start', 'step', 'step', 'step', 'step', 'step', 'done']);
    expect(messages.filter((m) => m.event === 'step').map((m) => m.step)).toEqual([1, 2, 3, 4, 5]);
  });

  it('maps exit code 2 to bad input carrying the Python message, and passes stderr to the sink', async () => {
    const run = await fakeTrain('bad-rows', 3);
    const stderr: string[] = [];
    const error = await runSidecar({ command: FAKE_PYTHON, args: run.args, env: run.env, name: 'fake', onMessage: () => undefined, stderr: (l) => stderr.push(l) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as W2sError).message).toMatch(/rows\.jsonl, line 2, field "prompt": the example has 600 tokens; the model's context holds 512$/);
    expect(stderr[0]).toBe('Traceback (most recent call last):');
  });

  it('maps an error event of kind bad-input to bad input even when the launcher exits 1', async () => {
    const run = await fakeTrain('launcher-bad-rows', 3);
    const error = await runSidecar({ command: FAKE_PYTHON, args: run.args, env: run.env, name: 'fake', onMessage: () => undefined, stderr: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as W2sError).message).toMatch(/rows\.jsonl, line 1, field "weight": expected a finite number >= 0$/);
  });

  it('maps any other exit code to a failure (exit code 1) naming the process and the Python message', async () => {
    const run = await fakeTrain('crash', 3);
    const error = await runSidecar({ command: FAKE_PYTHON, args: run.args, env: run.env, name: 'the fake sidecar', onMessage: () => undefined, stderr: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(1);
    expect((error as W2sError).message).toBe('the fake sidecar failed (exit code 1): RuntimeError: CUDA out of memory');
  });

  it('uses the last stderr line when the process died without an error event, and keeps the tail', async () => {
    const sidecar = Sidecar.start({ command: 'sh', args: ['-c', 'echo first >&2; echo "ImportError: no torch" >&2; exit 1'], name: 'sh', onMessage: () => undefined, stderr: () => undefined });
    await expect(sidecar.exited).rejects.toThrow('sh failed (exit code 1): ImportError: no torch');
    expect(sidecar.stderrTail()).toEqual(['first', 'ImportError: no torch']);
  });

  it('stops the process at a stdout line that is not JSON, with a protocol error naming the line', async () => {
    const run = await fakeTrain('garbage', 3);
    const error = await runSidecar({ command: FAKE_PYTHON, args: run.args, env: run.env, name: 'w2s_hf train', onMessage: () => undefined, stderr: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toBe('w2s_hf train wrote a line on stdout that is not JSON: "Loading checkpoint shards: 100%"');
  });

  it('stops the process when a message handler throws, and fails with that error', async () => {
    const run = await fakeTrain('slow', 50);
    const started = performance.now();
    const error = await runSidecar({
      command: FAKE_PYTHON,
      args: run.args,
      env: run.env,
      name: 'fake',
      stderr: () => undefined,
      onMessage: (m) => {
        if (m.event === 'step') throw new Error('unexpected step');
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('unexpected step');
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('an abort stops the whole process group (the launcher and its workers) with SIGTERM and rejects with the reason', async () => {
    const run = await fakeTrain('slow', 1000);
    const stop = new AbortController();
    const steps: unknown[] = [];
    const sidecar = Sidecar.start({ command: FAKE_PYTHON, args: run.args, env: run.env, name: 'fake', signal: stop.signal, stderr: () => undefined, onMessage: (m) => steps.push(m.step) });
    await until(() => steps.length >= 3);
    const worker = readLog(run.log).find((r) => r.worker !== undefined)!.worker as number;
    expect(alive(worker)).toBe(true);
    stop.abort(new Error('user stop'));
    await expect(sidecar.exited).rejects.toThrow('user stop');
    expect(readLog(run.log).some((r) => r.signal === 'SIGTERM')).toBe(true);
    await until(() => !alive(worker));
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const run = await fakeTrain('stubborn', 1000);
    const steps: unknown[] = [];
    const sidecar = Sidecar.start({ command: FAKE_PYTHON, args: run.args, env: run.env, name: 'fake', graceMs: 300, stderr: () => undefined, onMessage: (m) => steps.push(m.step) });
    await until(() => steps.length >= 2);
    const started = performance.now();
    sidecar.fail(new Error('stop'));
    await expect(sidecar.exited).rejects.toThrow('stop');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(readLog(run.log).some((r) => r.signal === 'SIGTERM')).toBe(true);
  });

  it('reports a program that cannot be started as a failure naming it', async () => {
    await expect(runSidecar({ command: '/nonexistent/python', args: [], name: 'x', onMessage: () => undefined })).rejects.toThrow(/cannot run \/nonexistent\/python: spawn \/nonexistent\/python ENOENT/);
  });

  it('sends JSON lines on stdin and sees the process finish after end of input', async () => {
    const got: Record<string, unknown>[] = [];
    const sidecar = Sidecar.start({ command: process.execPath, args: ['-e', 'process.stdin.pipe(process.stdout)'], name: 'cat', onMessage: (m) => got.push(m) });
    sidecar.send({ id: '1', prompt: 'a\nb' });
    sidecar.send({ id: '2', prompt: 'ü' });
    sidecar.endInput();
    await sidecar.exited;
    expect(got).toEqual([{ id: '1', prompt: 'a\nb' }, { id: '2', prompt: 'ü' }]);
  });
});
