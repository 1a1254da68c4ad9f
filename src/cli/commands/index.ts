import type { Command } from 'commander';
import { registerRun } from './run.js';

/** Attach every sub-command to the program. */
export function registerCommands(program: Command): void {
  registerRun(program);
}
