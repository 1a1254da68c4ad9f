import type { Command } from 'commander';
import { registerData } from './data.js';
import { registerDoctor } from './doctor.js';
import { registerEval } from './eval.js';
import { registerExplore } from './explore.js';
import { registerExport } from './export.js';
import { registerLabel } from './label.js';
import { registerRun } from './run.js';
import { registerScore } from './score.js';
import { registerServe } from './serve.js';
import { registerTrain } from './train.js';

/** Attach every sub-command to the program. */
export function registerCommands(program: Command): void {
  registerRun(program);
  registerScore(program);
  registerExplore(program);
  registerData(program);
  registerLabel(program);
  registerTrain(program);
  registerEval(program);
  registerServe(program);
  registerExport(program);
  registerDoctor(program);
}
