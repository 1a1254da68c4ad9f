import { describe, expect, it } from 'vitest';
import { PAPER_LORA } from '../../../src/engine/lora.js';
import { FAMILY_NAMES } from '../../../src/tasks/synthetic/family.js';
import { getFamily } from '../../../src/tasks/synthetic/families.js';
import { SUITE_CONTROL, SUITE_DEFAULT, SUITE_QUICK } from '../../../src/tasks/synthetic/suite.js';
import { buildWorld } from '../../../src/tasks/synthetic/world.js';

describe.each([SUITE_DEFAULT, SUITE_CONTROL, SUITE_QUICK])('suite $name', (suite) => {
  const world = buildWorld(suite.worldSeed, suite.world);

  it('asks no more questions per split than its world has', () => {
    for (const name of FAMILY_NAMES) {
      for (const split of ['train', 'val', 'test'] as const) {
        expect(getFamily(name).records(world, split, { count: suite.questions[name][split] })).toHaveLength(suite.questions[name][split]);
      }
    }
  });

  it('varies prompts N = 5 times, and twice for the binary judgement', () => {
    expect(suite.variations).toEqual({ knowledge: 5, continuation: 5, judgement: 2, arithmetic: 5 });
  });

  it('fine-tunes the strong model with the paper LoRA (r 16, alpha 32, dropout 0.05, q and v)', () => {
    expect(suite.strong.sft.lora).toEqual(PAPER_LORA);
  });

  it('gives the strong base more capacity than the weak one', () => {
    expect(suite.strong.model.hidden_size! * suite.strong.model.num_hidden_layers!).toBeGreaterThan(
      suite.weak.model.hidden_size! * suite.weak.model.num_hidden_layers!,
    );
  });
});

describe('the control suite', () => {
  it('differs from the default only in a balanced answer key', () => {
    expect({ ...SUITE_CONTROL, name: 'default', weakTrainGoldFirst: SUITE_DEFAULT.weakTrainGoldFirst }).toEqual(SUITE_DEFAULT);
    expect(SUITE_CONTROL.weakTrainGoldFirst).toEqual({ multipleChoice: 0.25, binary: 0.5 });
    expect(SUITE_DEFAULT.weakTrainGoldFirst.multipleChoice).toBeGreaterThan(0.25);
    expect(SUITE_DEFAULT.weakTrainGoldFirst.binary).toBeGreaterThan(0.5);
  });
});
