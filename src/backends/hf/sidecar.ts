// One run of a sidecar process: JSON lines in on stdin, JSON lines out on stdout, logs on stderr, and an exit code that
// says whose fault a failure is (0 done, 2 bad input, anything else internal). The process leads its own process
// group, so stopping it also stops what it started (accelerate's worker processes).
import { spawn, type ChildProcess } from 'node:child_process';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import { JsonLineReader, LineSplitter } from './json-lines.js';

/** How long a stopped sidecar gets to clean up after SIGTERM before SIGKILL. */
export const DEFAULT_GRACE_MS = 5000;
/** Lines of stderr kept for error messages. */
const TAIL_LINES = 20;

export interface SidecarSpec {
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Names the process in messages, e.g. "the Hugging Face sidecar (train)". */
  name: string;
  /** Every stdout object, in order. A throw stops the process and fails the run with that error. */
  onMessage: (message: Record<string, unknown>) => void;
  /** Where stderr lines go (default: our stderr, each line prefixed). */
  stderr?: (line: string) => void;
  /** Stops the process (SIGTERM to its group, SIGKILL after the grace period); the run rejects with the reason. */
  signal?: AbortSignal;
  graceMs?: number;
}

// Sidecars still running; our exit takes them along (they lead their own process groups, so nothing else would).
const live = new Set<Sidecar>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const sidecar of live) sidecar.terminate();
  });
}

/** A running sidecar process. */
export class Sidecar {
  /** Settles when the process has ended: resolves on exit 0, else rejects with the mapped error. */
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private lastError: { kind: string; message: string } | null = null;
  private failure: unknown = null;
  private killTimer: NodeJS.Timeout | undefined;
  private ended = false;

  private constructor(private readonly spec: SidecarSpec) {
    const sink = spec.stderr ?? ((line: string) => process.stderr.write(`[w2s_hf] ${line}\n`));
    this.child = spawn(spec.command, [...spec.args], { env: spec.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    live.add(this);
    installExitHook();

    const stdout = new JsonLineReader(spec.name);
    const stderr = new LineSplitter();
    const onStderr = (lines: string[]): void => {
      for (const line of lines) {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        sink(line);
      }
    };
    const deliver = (read: () => Record<string, unknown>[]): void => {
      if (this.failure !== null) return;
      try {
        for (const message of read()) {
          if (message.event === 'error') this.lastError = { kind: String(message.kind), message: String(message.message) };
          spec.onMessage(message);
        }
      } catch (error) {
        this.fail(error);
      }
    };
    this.child.stdout!.on('data', (chunk: Buffer) => deliver(() => stdout.push(chunk)));
    this.child.stderr!.on('data', (chunk: Buffer) => onStderr(stderr.push(chunk)));
    // A process that died early closes stdin under our writes; its exit explains why, not the broken pipe.
    this.child.stdin!.on('error', () => undefined);

    const onAbort = (): void => this.fail(spec.signal?.reason ?? new DOMException('stopped', 'AbortError'));
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });

    this.exited = new Promise<void>((resolve, reject) => {
      this.child.once('error', (error) => {
        // spawn failed (no such program): there is no process, and no 'close' may follow.
        if (this.ended) return;
        this.finish();
        spec.signal?.removeEventListener('abort', onAbort);
        reject(this.failure ?? new W2sError(`cannot run ${spec.command}: ${error.message}`, {}, EXIT_FAILURE));
      });
      this.child.once('close', (code, signal) => {
        if (this.ended) return;
        deliver(() => stdout.end());
        onStderr(stderr.end());
        this.finish();
        spec.signal?.removeEventListener('abort', onAbort);
        if (this.failure !== null) reject(this.failure);
        else if (code === 0) resolve();
        else reject(this.exitError(code, signal));
      });
    });
    // Callers await `exited` when they need the outcome; an unobserved failure must not crash the process meanwhile.
    this.exited.catch(() => undefined);
  }

  /** Starts the process. */
  static start(spec: SidecarSpec): Sidecar {
    return new Sidecar(spec);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines the process wrote on stderr. */
  stderrTail(): string[] {
    return [...this.tail];
  }

  /** Writes one message as a JSON line on stdin. */
  send(message: unknown): void {
    if (this.ended || this.child.stdin!.destroyed) return;
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  /** Closes stdin: the process finishes what it has and exits. */
  endInput(): void {
    this.child.stdin!.end();
  }

  /** Stops the process group: SIGTERM now, SIGKILL after the grace period if it is still there. */
  terminate(): void {
    if (this.ended) return;
    this.signalGroup('SIGTERM');
    if (this.killTimer === undefined) this.killTimer = setTimeout(() => this.signalGroup('SIGKILL'), this.spec.graceMs ?? DEFAULT_GRACE_MS);
  }

  /** Stops the process and makes the run reject with `error` (unless it has already ended). */
  fail(error: unknown): void {
    if (this.ended || this.failure !== null) return;
    this.failure = error;
    this.terminate();
  }

  private finish(): void {
    this.ended = true;
    live.delete(this);
    if (this.killTimer !== undefined) {
      clearTimeout(this.killTimer);
      // Members of the group that outlived their leader (launcher workers) have no one left to stop them.
      this.signalGroup('SIGKILL');
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  /**
   * Exit code 2 is the user's input (the Python message names file, line, field), and so is an error event of kind
   * bad-input: under `accelerate launch` the launcher exits 1 whatever its worker's code. Anything else is a failure.
   */
  private exitError(code: number | null, signal: NodeJS.Signals | null): W2sError {
    const lastLine = [...this.tail].reverse().find((line) => line.trim() !== '');
    const message = this.lastError?.message ?? lastLine ?? 'no message';
    if (code === 2 || (code !== null && this.lastError?.kind === 'bad-input')) return badInput(message);
    if (code === null) return new W2sError(`${this.spec.name} was killed by ${signal}${lastLine ? ` (last words: ${lastLine})` : ''}`, {}, EXIT_FAILURE);
    return new W2sError(`${this.spec.name} failed (exit code ${code}): ${message}`, {}, EXIT_FAILURE);
  }
}

/** Runs a sidecar command to its end: resolves when it exits 0, rejects with the mapped error otherwise. */
export async function runSidecar(spec: SidecarSpec): Promise<void> {
  await Sidecar.start(spec).exited;
}
