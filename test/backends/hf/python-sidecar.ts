import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SftRow } from '../../../src/core/types.js';
import { HF_PYTHON } from '../../helpers/hf-python.js';

/*
 * Running the Hugging Face sidecar (python/w2s_hf) from tests: the interpreter (test/helpers/hf-python.ts), the
 * environment the TypeScript side gives it, and its stdout parsed as JSON-line events.
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export { hfPythonAvailable as pythonAvailable, parityRequired } from '../../helpers/hf-python.js';
export const PYTHON = HF_PYTHON;

export type SidecarEvent = Record<string, unknown>;

export interface PythonRun {
  status: number | null;
  /** Every stdout line, parsed (a line that is not JSON fails the run's parse: stdout carries events only). */
  events: SidecarEvent[];
  stdout: string;
  stderr: string;
}

/** The sidecar's environment: its package on PYTHONPATH, no tokenizer threads, one BLAS thread each, offline. */
export function sidecarEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const pythonPath = [join(ROOT, 'python'), process.env.PYTHONPATH].filter((p) => p).join(':');
  return {
    ...process.env,
    PYTHONPATH: pythonPath,
    TOKENIZERS_PARALLELISM: 'false',
    PYTHONUNBUFFERED: '1',
    OMP_NUM_THREADS: '1',
    OPENBLAS_NUM_THREADS: '2',
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_VERBOSITY: 'error',
    ...extra,
  };
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Called with each event as it arrives, and a way to signal the process (to test interruption). */
  onEvent?: (event: SidecarEvent, signal: (name: NodeJS.Signals) => void) => void;
}

/** Runs the interpreter with `args` (stdin from `input`), resolving when it exits. */
export function runPython(args: string[], options: RunOptions = {}): Promise<PythonRun> {
  return new Promise((done, fail) => {
    const child = spawn(PYTHON, args, { cwd: ROOT, env: sidecarEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!options.onEvent) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') options.onEvent(JSON.parse(line) as SidecarEvent, (name) => child.kill(name));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', fail);
    child.on('close', (status) => {
      clearTimeout(timer);
      try {
        const events = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as SidecarEvent);
        done({ status, events, stdout, stderr });
      } catch (err) {
        fail(new Error(`stdout is not JSON lines (${(err as Error).message}):\n${stdout}\n${stderr}`));
      }
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Any command, its output as text, without blocking the test worker while it runs (a synchronous spawn of a minute
 * or more stalls vitest's own messages until they time out).
 */
export function runText(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** `python -m w2s_hf <args>`. */
export function runSidecar(args: string[], options: RunOptions = {}): Promise<PythonRun> {
  return runPython(['-m', 'w2s_hf', ...args], options);
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/**
 * `python -m w2s_hf <args>` as `processes` data-parallel ranks on this machine, with the variables torchrun would
 * set (accelerate then uses the gloo backend on CPUs). Rank 0's run comes first.
 */
export async function runRanks(processes: number, args: string[]): Promise<PythonRun[]> {
  const port = String(await freePort());
  return Promise.all(
    Array.from({ length: processes }, (_, rank) =>
      runSidecar(args, {
        env: {
          RANK: String(rank),
          LOCAL_RANK: String(rank),
          WORLD_SIZE: String(processes),
          LOCAL_WORLD_SIZE: String(processes),
          MASTER_ADDR: '127.0.0.1',
          MASTER_PORT: port,
        },
      }),
    ),
  );
}

/**
 * `python -m w2s_hf <args>` under accelerate's launcher with a shipped config (python/accelerate/<config>.yaml) and
 * `processes` processes on this machine, meeting at a free port. Its stdout carries the workers' (the main process's)
 * events.
 */
export async function runLaunched(config: string, processes: number, args: string[], options: RunOptions = {}): Promise<PythonRun> {
  const port = String(await freePort());
  const launcher = ['-m', 'accelerate.commands.launch', '--config_file', join(ROOT, 'python', 'accelerate', `${config}.yaml`)];
  return runPython([...launcher, '--num_processes', String(processes), '--main_process_port', port, '-m', 'w2s_hf', ...args], options);
}

/** The events named `name`, in order. */
export function eventsNamed(run: PythonRun, name: string): SidecarEvent[] {
  return run.events.filter((e) => e.event === name);
}

/** What a run printed, for assertion messages. */
export function report(run: PythonRun): string {
  return `exit ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr.slice(-4000)}`;
}

/**
 * The parity tests' training rows (parity.test.ts, sharded.test.ts): rows in the tiny model's language and outside it (bytes), weights of Eq. 5 including 0, lengths that need padding.
 */
export const PARITY_ROWS: readonly SftRow[] = [
  { id: 'a', prompt: 'one two', completion: ' three four five .', weight: 1 },
  { id: 'b', prompt: 'red', completion: ' orange yellow', weight: 0.5 },
  { id: 'c', prompt: 'cat dog', completion: ' cow pig hen fox owl bee .', weight: 0.25 },
  { id: 'd', prompt: 'seven', completion: ' eight nine ten .', weight: 0 },
  { id: 'e', prompt: 'blue indigo', completion: ' violet .', weight: 1.5 },
  { id: 'f', prompt: 'fox', completion: ' owl', weight: 0.8 },
  { id: 'g', prompt: 'three four five six', completion: ' seven eight nine ten .', weight: 1 },
  { id: 'h', prompt: 'Question: what follows green?\nAnswer:', completion: ' blue', weight: 0.3 },
];
