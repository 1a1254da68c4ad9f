// Start-up pays only for the command that runs: a command's declaration (its options and help) is cheap and eager,
// because commander needs every option before it parses; the code that does the work, with its heavy imports (the
// engine, zod, yaml, vega, undici, SQLite, tokenizers), is a module of src/cli/actions/ loaded when the command runs.
import type { Command } from 'commander';

/** An action that loads its module when the command runs, then runs it with commander's arguments. */
export function lazyAction<A extends unknown[]>(load: () => Promise<(...args: A) => unknown>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const action = await load();
    await action(...args);
  };
}

/**
 * Help text made from a module too heavy to load for every command: made (once) just before `command` parses its
 * arguments, and so before its `--help` prints, in its parent's preSubcommand hook, which commander awaits.
 */
export function lazyHelpText(command: Command, text: () => Promise<string>): void {
  const parent = command.parent;
  if (parent === null) throw new Error(`lazyHelpText: "${command.name()}" is not a sub-command`);
  let added = false;
  parent.hook('preSubcommand', async (_parent, sub) => {
    if (sub !== command || added) return;
    added = true;
    command.addHelpText('after', await text());
  });
}
