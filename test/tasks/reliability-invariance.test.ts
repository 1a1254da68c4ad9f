// The same underlying answers give the same reliability whatever option orders the variations showed: the weak model
// answers with letters, each variation's letters map back through its own order to option contents (docs/method.md App. A).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerDistribution, entropy, reliabilityScores } from '../../src/core/reliability.js';
import { Rng } from '../../src/core/rng.js';
import { loadRecords } from '../../src/datasets/records.js';
import { getTask } from '../../src/tasks/registry.js';
import { FIXTURES } from './helpers.js';

describe('reliability under option permutations (MMLU and HellaSwag parsers)', () => {
  for (const name of ['mmlu', 'hellaswag'] as const) {
    it(`${name}: letters through each variant's order give the reliability of the chosen contents`, async () => {
      const file = name === 'mmlu' ? FIXTURES.mmlu.validation.hub : FIXTURES.hellaswag.validation.hub;
      const { records } = await loadRecords(getTask(name), file);
      fc.assert(
        fc.property(fc.nat(records.length - 1), fc.integer(), fc.array(fc.nat(3), { minLength: 5, maxLength: 5 }), fc.constantFrom('original-first' as const, 'all-random' as const), (q, seed, picks, permutationMode) => {
          const task = getTask(name, { permutationMode });
          const record = records[q];
          if (record === undefined) return;
          const variations = task.variations(record, 5, new Rng(seed));
          const options = variations[0]?.choices as string[];
          // The weak model means option `picks[i]` (by content) in variation i, and writes that variation's letter for it.
          const meant = picks.map((p) => options[p] as string);
          const outputs = variations.map((v, i) => `${'ABCD'[(v.choices as string[]).indexOf(meant[i] as string)]}. ${meant[i]}`);
          const parsed = outputs.map((o, i) => task.parseAnswer(o, variations[i] as (typeof variations)[number]));
          expect(parsed).toEqual(meant);
          const fromParsed = answerDistribution(parsed);
          const fromContents = answerDistribution(meant);
          expect(entropy(fromParsed)).toBe(entropy(fromContents));
          expect(reliabilityScores(fromParsed)).toEqual(reliabilityScores(fromContents));
        }),
        { numRuns: 200 },
      );
    });
  }
});
