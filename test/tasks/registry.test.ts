import { describe, expect, it } from 'vitest';
import { TASK_NAMES, getTask } from '../../src/tasks/registry.js';
import { expectBadInput } from './helpers.js';

describe('task registry', () => {
  it('knows the paper four tasks by name', () => {
    expect(TASK_NAMES).toEqual(['hellaswag', 'mmlu', 'ethics', 'gsm8k']);
    for (const name of TASK_NAMES) expect(getTask(name).name).toBe(name);
    expect(TASK_NAMES.map((name) => getTask(name).variationKind)).toEqual(['permutation', 'permutation', 'label-swap', 'paraphrase']);
    expect(TASK_NAMES.map((name) => getTask(name).defaultVariations)).toEqual([5, 5, 2, 5]);
  });

  it('lists the known names when given an unknown one (exit code 2)', () => {
    expectBadInput(() => getTask('squad'), 'unknown task "squad"', 'hellaswag, mmlu, ethics, gsm8k', 'field "task"');
  });

  it('passes options to the task they concern', () => {
    expect(getTask('mmlu', { mmluTrainSource: 'dev' }).splitPlan.train.from).toBe('dev');
  });
});
