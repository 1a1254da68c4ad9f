// The tasks' names alone: what `--help` lists, without loading the tasks (their record schemas need zod).
import { badInput, type W2sError } from '../errors.js';

/** The task names, in the paper's order. */
export const TASK_NAMES = ['hellaswag', 'mmlu', 'ethics', 'gsm8k'] as const;

/** One of {@link TASK_NAMES}. */
export type TaskName = (typeof TASK_NAMES)[number];

/** The synthetic suite's tasks (src/tasks/synthetic), mirroring the paper's four in the same order of kinds. */
export const SYNTHETIC_TASK_NAMES = ['synthetic-knowledge', 'synthetic-continuation', 'synthetic-judgement', 'synthetic-arithmetic'] as const;

/** One of {@link SYNTHETIC_TASK_NAMES}. */
export type SyntheticTaskName = (typeof SYNTHETIC_TASK_NAMES)[number];

/** Whether `name` is one of the synthetic suite's tasks. */
export function isSyntheticTaskName(name: string): name is SyntheticTaskName {
  return (SYNTHETIC_TASK_NAMES as readonly string[]).includes(name);
}

/** Whether `name` is one of the paper's tasks. */
export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}

/** The error for a task name that is none of these: bad input (exit code 2) that lists the known ones. */
export function unknownTask(name: string): W2sError {
  return badInput(`unknown task "${name}"; known tasks: ${[...TASK_NAMES, ...SYNTHETIC_TASK_NAMES].join(', ')}`, { field: 'task' });
}
