import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { templateParaphraser, templateParaphrases } from '../../src/tasks/paraphrase-template.js';

const QUESTION = 'Janet has 16 eggs. She eats 3 of them. How many eggs are left?';

function numbersOf(text: string): string[] {
  return (text.match(/\d+(?:[.,]\d+)*/g) ?? []).sort();
}

describe('template paraphrases', () => {
  it('are n distinct non-empty rewrites, none the original', () => {
    const texts = templateParaphrases(QUESTION, 6, new Rng(1));
    expect(texts).toHaveLength(6);
    expect(new Set(texts).size).toBe(6);
    expect(texts).not.toContain(QUESTION);
    for (const t of texts) expect(t.trim()).not.toBe('');
  });

  it('keep every sentence and number of the question', () => {
    for (const text of templateParaphrases(QUESTION, 10, new Rng(4))) {
      expect(numbersOf(text)).toEqual(numbersOf(QUESTION));
      for (const sentence of ['Janet has 16 eggs.', 'She eats 3 of them.', 'How many eggs are left?']) expect(text).toContain(sentence);
    }
  });

  it('move the asked question first or last when the question is facts then one question', () => {
    // Two reorderings, and eight lead-ins before each of the three framings: 26 rewrites in all.
    const all = templateParaphrases(QUESTION, 26, new Rng(0));
    expect(() => templateParaphrases(QUESTION, 27, new Rng(0))).toThrow(RangeError);
    expect(all).toContain('How many eggs are left? Janet has 16 eggs. She eats 3 of them.');
    expect(all).toContain('Janet has 16 eggs. She eats 3 of them. The question is: How many eggs are left?');
  });

  it('do not reorder a question whose sentences an abbreviation makes ambiguous', () => {
    const question = 'Mr. Smith buys 4 pens. How many pens does he have?';
    const all = templateParaphrases(question, 8, new Rng(0));
    for (const text of all) expect(text.endsWith(question)).toBe(true);
    expect(() => templateParaphrases(question, 9, new Rng(0))).toThrow(RangeError);
  });

  it('depend only on the seed', () => {
    expect(templateParaphrases(QUESTION, 4, new Rng(5))).toEqual(templateParaphrases(QUESTION, 4, new Rng(5)));
    const seeds = new Set(Array.from({ length: 10 }, (_, s) => JSON.stringify(templateParaphrases(QUESTION, 4, new Rng(s)))));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('serve the provider interface', async () => {
    expect(await templateParaphraser.paraphrase(QUESTION, 3, new Rng(2))).toEqual(templateParaphrases(QUESTION, 3, new Rng(2)));
  });

  it('always keep the question text inside every rewrite (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''), fc.integer(), (question, seed) => {
        for (const text of templateParaphrases(question, 4, new Rng(seed))) {
          expect(text).not.toBe(question.trim());
          expect(numbersOf(text)).toEqual(numbersOf(question));
        }
      }),
    );
  });
});
