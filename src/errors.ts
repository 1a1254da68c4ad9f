/** Where in an input file a problem was found; every user-facing error names as much of it as is known. */
export interface Location {
  file?: string;
  line?: number;
  field?: string;
}

/** Exit code for bad input or bad usage (the CLI's contract). */
export const EXIT_BAD_INPUT = 2;
/** Exit code for failures that are not the user's input (I/O, network, bugs). */
export const EXIT_FAILURE = 1;

/**
 * The one error type the CLI prints without a stack trace: a message that names file, line and field,
 * and the exit code the process ends with.
 */
export class W2sError extends Error {
  readonly exitCode: number;
  readonly location: Location;
  /** The message without its location, to re-raise it where more of the location is known. */
  readonly detail: string;

  constructor(message: string, location: Location = {}, exitCode: number = EXIT_BAD_INPUT) {
    super(formatMessage(message, location));
    this.name = 'W2sError';
    this.exitCode = exitCode;
    this.location = location;
    this.detail = message;
  }

  /** The same error with the location filled in where it was missing. */
  at(location: Location): W2sError {
    return new W2sError(this.detail, { ...location, ...definedOnly(this.location) }, this.exitCode);
  }
}

function definedOnly(location: Location): Location {
  return Object.fromEntries(Object.entries(location).filter(([, v]) => v !== undefined)) as Location;
}

function formatMessage(message: string, { file, line, field }: Location): string {
  const where = [file, line !== undefined ? `line ${line}` : undefined, field !== undefined ? `field "${field}"` : undefined]
    .filter((part) => part !== undefined)
    .join(', ');
  return where ? `${where}: ${message}` : message;
}

/** Bad input from the user (exit code 2). */
export function badInput(message: string, location: Location = {}): W2sError {
  return new W2sError(message, location, EXIT_BAD_INPUT);
}

/**
 * A file-system error of a call that had only a descriptor (write, fsync, close) gets the path it was writing, so the
 * one-line message names the file (cli/main.ts `systemError`).
 */
export function withPath(error: unknown, path: string): unknown {
  const e = error as NodeJS.ErrnoException;
  if (error instanceof Error && typeof e.code === 'string' && e.path === undefined) e.path = path;
  return error;
}

/** An error as plain fields a worker thread can post to its parent (what {@link errorFromPosted} rebuilds). */
export interface PostedError {
  message: string;
  stack: string | undefined;
  w2s: { detail: string; location: Location; exitCode: number } | null;
  /** A file-system error's fields, so the parent reports it as one (disk full: the file and the cause). */
  system: { code: string; syscall?: string; path?: string } | null;
}

export function postedError(error: unknown): PostedError {
  const e = error as NodeJS.ErrnoException;
  const system = error instanceof Error && typeof e.code === 'string'
    ? { code: e.code, ...(e.syscall !== undefined ? { syscall: e.syscall } : {}), ...(e.path !== undefined ? { path: e.path } : {}) }
    : null;
  return {
    message: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
    w2s: error instanceof W2sError ? { detail: error.detail, location: error.location, exitCode: error.exitCode } : null,
    system,
  };
}

/** The worker's error in this thread: ours as W2sError, a file-system error with its code, path and call, else `other`. */
export function errorFromPosted(posted: PostedError, other: (posted: PostedError) => Error): Error {
  if (posted.w2s) return new W2sError(posted.w2s.detail, posted.w2s.location, posted.w2s.exitCode);
  if (posted.system) return Object.assign(new Error(posted.message), posted.system);
  return other(posted);
}
