import { describe, expect, it } from 'vitest';
import { answerFormat } from '../../src/tasks/answer-formats.js';
import { ethicsPrompt } from '../../src/tasks/ethics.js';
import { SYNTHETIC_TASK_NAMES, TASK_NAMES, getTask } from '../../src/tasks/registry.js';
import { judgementPrompt } from '../../src/tasks/synthetic/judgement.js';
import { expectBadInput } from './helpers.js';

// `w2s score --task` reads and renders answers with answerFormat (no record schemas loaded); it must agree with the
// task itself on every output and answer, errors included.

const CHOICES = [['red', 'green', 'blue', 'gray'], ['blue', 'gray', 'red', 'green'], ['the cat sat', 'a dog ran', 'it rained', '42']];
const PROMPTS = [
  ethicsPrompt('I helped my neighbour.', true),
  ethicsPrompt('I helped my neighbour.', true, ['unacceptable', 'acceptable']),
  ethicsPrompt('A long story.', false),
  judgementPrompt('tamer wakes zorbo', ['right', 'wrong']),
  judgementPrompt('tamer wakes zorbo', ['wrong', 'right']),
  'Label this story.',
];
const VARIATIONS = [...CHOICES.map((choices, i) => ({ choices, prompt: PROMPTS[i] as string })), ...PROMPTS.map((prompt) => ({ prompt })), {}];
const OUTPUTS = [
  'A', 'B. green', '(C)', 'Answer: D', 'D) 42', 'blue', ' gray\nB', 'I am not sure', '', '\n\n  c',
  'acceptable', 'Unacceptable.', 'not wrong', 'Right, because', 'wrong', 'It is right.',
  '42', ' 3.5 apples', '-7\n8', '1,234', 'The answer is 12', '#### 18',
];
const ANSWERS = ['0', '1', '2', 'red', 'blue', 'a dog ran', '42', '-7', 'x', ''];

/** What a call gives: its value, or the message it throws. */
function outcome(call: () => unknown): unknown {
  try {
    return { value: call() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('answerFormat', () => {
  it.each([...TASK_NAMES, ...SYNTHETIC_TASK_NAMES])('%s: parses and renders exactly as the task does', (name) => {
    const task = getTask(name);
    const format = answerFormat(name);
    let compared = 0;
    for (const variation of VARIATIONS) {
      for (const output of OUTPUTS) {
        expect(outcome(() => format.parseAnswer(output, variation)), `${name} ${JSON.stringify(output)} ${JSON.stringify(variation)}`).toEqual(
          outcome(() => task.parseAnswer(output, variation)),
        );
        compared++;
      }
      for (const answer of ANSWERS) {
        expect(outcome(() => format.renderAnswer(answer, variation)), `${name} ${answer} ${JSON.stringify(variation)}`).toEqual(
          outcome(() => task.renderAnswer(answer, variation)),
        );
      }
    }
    expect(compared).toBe(VARIATIONS.length * OUTPUTS.length);
  });

  it('reads something from these outputs, so the comparison above compares answers, not only nulls', () => {
    const parsed = (name: string) => new Set(VARIATIONS.flatMap((v) => OUTPUTS.map((o) => outcome(() => answerFormat(name).parseAnswer(o, v)))).map((x) => JSON.stringify(x)));
    for (const name of [...TASK_NAMES, ...SYNTHETIC_TASK_NAMES]) expect(parsed(name).size, name).toBeGreaterThan(2);
  });

  it('refuses an unknown task as getTask does (exit code 2, the known names listed)', () => {
    expectBadInput(() => answerFormat('squad'), 'unknown task "squad"', 'hellaswag, mmlu, ethics, gsm8k', 'field "task"');
  });
});
