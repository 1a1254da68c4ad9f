import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { SYNTHETIC_TASK_NAMES, TASK_NAMES, getTask, isTaskName } from '../../../src/tasks/registry.js';
import { expectBadInput } from '../helpers.js';

describe('task registry: synthetic suite', () => {
  it('knows the four synthetic tasks by name, beside (not among) the paper datasets', () => {
    for (const name of SYNTHETIC_TASK_NAMES) {
      expect(getTask(name).name).toBe(name);
      expect(isTaskName(name)).toBe(false);
    }
    expect(SYNTHETIC_TASK_NAMES.map((name) => getTask(name).variationKind)).toEqual(['permutation', 'permutation', 'label-swap', 'paraphrase']);
    expect(TASK_NAMES).toEqual(['hellaswag', 'mmlu', 'ethics', 'gsm8k']);
  });

  it('passes the permutation mode to the multiple-choice families', () => {
    const record = { id: 'x', gold: 'red', entity: 'zoba', attribute: 'color', question: 'what color is zoba ?', choices: ['red', 'blue', 'gold', 'pink'], answer: 0 };
    const task = getTask('synthetic-knowledge', { permutationMode: 'all-random' });
    const firsts = Array.from({ length: 20 }, (_, seed) => task.variations(record, 5, new Rng(seed))[0]!.choices!.join());
    expect(firsts.some((order) => order !== record.choices.join())).toBe(true);
  });

  it('lists the synthetic names among the known ones', () => {
    expectBadInput(() => getTask('synthetic-trivia'), 'unknown task', 'synthetic-knowledge', 'synthetic-arithmetic');
  });
});
