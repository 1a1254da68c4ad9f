import { describe, expect, it } from 'vitest';
import { PAPER_LORA } from '../../src/engine/lora.js';
import { type TrainOptions, type TrainState, train } from '../../src/engine/train.js';
import { randomExamples, randomModel, tinyConfig } from './helpers.js';

const config = tinyConfig();
const examples = randomExamples(config, 10, 71);

function copy(state: TrainState): TrainState {
  return { step: state.step, params: state.params.slice(), m: state.m.slice(), v: state.v.slice() };
}

describe('training resumed from a checkpoint', () => {
  for (const lora of [null, { ...PAPER_LORA, r: 4 }]) {
    it(`ends exactly where an uninterrupted run ends (${lora ? 'LoRA with dropout' : 'full fine-tuning'})`, () => {
      const options: TrainOptions = { learningRate: 1e-2, batchSize: 4, maxSteps: 9, seed: 5, ...(lora ? { lora } : {}) };
      const whole = randomModel(config, 72);
      train(whole, examples, options);
      const expected = (whole.adapter ?? whole).params.slice();

      // Interrupted after step 7; the last checkpoint was taken at step 6.
      const states: TrainState[] = [];
      const interrupted = randomModel(config, 72);
      expect(() =>
        train(interrupted, examples, {
          ...options,
          checkpoint: { every: 3, save: (s) => states.push(copy(s)) },
          onStep: (info) => {
            if (info.step === 7) throw new Error('killed');
          },
        }),
      ).toThrow('killed');
      expect(states.map((s) => s.step)).toEqual([3, 6]);

      const resumed = randomModel(config, 72);
      const result = train(resumed, examples, { ...options, resumeFrom: states[1] as TrainState });
      expect(result.losses).toHaveLength(3);
      expect((resumed.adapter ?? resumed).params).toEqual(expected);
    });
  }

  it('rejects a state of another size', () => {
    const model = randomModel(config, 73);
    const bad: TrainState = { step: 1, params: new Float32Array(3), m: new Float32Array(3), v: new Float32Array(3) };
    expect(() => train(model, examples, { learningRate: 1e-2, batchSize: 4, maxSteps: 2, seed: 1, resumeFrom: bad })).toThrow(/saved state has 3 parameters/);
  });
});
