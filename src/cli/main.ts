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

/** Run the CLI with the given argv; resolves to the process exit code. User mistakes print one line, no stack. */
export async function main(argv: string[]): Promise<number> {
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
    process.stderr.write(`w2s: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
