import { Command, CommanderError } from 'commander';
import { W2sError, EXIT_BAD_INPUT, EXIT_FAILURE } from '../errors.js';
import { registerCommands } from './commands/index.js';
import { VERSION } from '../version.js';

/** Build the `w2s` program: one sub-command per pipeline job. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('w2s')
    .description('Reliability-aware weak-to-strong alignment: run the experiment, label, score and train.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

/** What each system error means for the user, and whether it is their mistake (exit 2) or the machine's (exit 1). */
const SYSTEM_ERRORS: Readonly<Record<string, { meaning: string; exitCode: number }>> = {
  ENOENT: { meaning: 'no such file or folder', exitCode: EXIT_BAD_INPUT },
  EEXIST: { meaning: 'it exists and is not a folder', exitCode: EXIT_BAD_INPUT },
  ENOTDIR: { meaning: 'a part of the path is a file, not a folder', exitCode: EXIT_BAD_INPUT },
  EISDIR: { meaning: 'it is a folder', exitCode: EXIT_BAD_INPUT },
  EACCES: { meaning: 'permission denied', exitCode: EXIT_BAD_INPUT },
  EPERM: { meaning: 'operation not permitted', exitCode: EXIT_BAD_INPUT },
  EROFS: { meaning: 'read-only file system', exitCode: EXIT_BAD_INPUT },
  ENOSPC: { meaning: 'no space left on the device', exitCode: EXIT_FAILURE },
  EDQUOT: { meaning: 'disk quota exceeded', exitCode: EXIT_FAILURE },
  EFBIG: { meaning: 'the file is larger than this process may write (ulimit -f) or the file system holds', exitCode: EXIT_FAILURE },
  EIO: { meaning: 'input/output error of the device', exitCode: EXIT_FAILURE },
  EMFILE: { meaning: 'too many open files', exitCode: EXIT_FAILURE },
  EADDRINUSE: { meaning: 'the address is in use', exitCode: EXIT_BAD_INPUT },
  EADDRNOTAVAIL: { meaning: 'no such address on this machine', exitCode: EXIT_BAD_INPUT },
  ENOTFOUND: { meaning: 'unknown host', exitCode: EXIT_BAD_INPUT },
};

/**
 * A file-system or network error of Node's (`code`, `syscall`, `path` or `address:port`) as one line naming what failed
 * and why, instead of an internal error with a stack: these are the machine's answers to what the user asked.
 */
export function systemError(error: unknown): { message: string; exitCode: number } | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  const known = e.code === undefined ? undefined : SYSTEM_ERRORS[e.code];
  if (known === undefined) return undefined;
  const where = e.path ?? (e.address !== undefined ? `${e.address}${e.port !== undefined ? `:${e.port}` : ''}` : e.hostname);
  const action = e.syscall === undefined ? 'failed' : `cannot ${e.syscall}`;
  return { message: `${action}${where === undefined ? '' : ` ${where}`}: ${known.meaning} (${e.code})`, exitCode: known.exitCode };
}

/** Run the CLI with the given argv; resolves to the process exit code. User mistakes print one line, no stack. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    // With the version, the kernels the engine runs on here (native or portable, instruction set, sgemm).
    const { describeKernels } = await import('../native/kernel-info.js');
    process.stdout.write(`${VERSION}\n${describeKernels()}\n`);
    return 0;
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors are bad input. Commander has already printed its message.
      return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    if (error instanceof W2sError) {
      process.stderr.write(`w2s: ${error.message}\n`);
      return error.exitCode;
    }
    const system = systemError(error);
    if (system) {
      process.stderr.write(`w2s: ${system.message}\n`);
      return system.exitCode;
    }
    process.stderr.write(`w2s: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
