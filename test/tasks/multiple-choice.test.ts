import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { allPermutations, applyPermutation } from '../../src/core/variations.js';
import {
  optionOrderVariations,
  parseOptionAnswer,
  parseOptionLetter,
  renderOptionContent,
  renderOptionLetter,
} from '../../src/tasks/multiple-choice.js';
import { expectBadInput } from './helpers.js';

const choices = ['red', 'green', 'blue', 'yellow'];
const shown = { choices };

describe('parseOptionLetter', () => {
  it.each([
    ['B', 'green'],
    ['B.', 'green'],
    [' b) because green is a colour', 'green'],
    ['(B)', 'green'],
    ['Answer: B', 'green'],
    ['B. green', 'green'],
    ['answer: (c)', 'blue'],
    ['\n  D\nThe explanation follows.', 'yellow'],
    ['A: red', 'red'],
    ['d, since yellow', 'yellow'],
  ])('reads %j as the option it names', (output, expected) => {
    expect(parseOptionLetter(output, shown)).toBe(expected);
  });

  it.each([
    ['A man walks into the room.'],
    ['The answer is B'],
    [''],
    ['E.'],
    ['Bob'],
    ['**B**'],
    ['2'],
    ['green'],
    ['Answer: the second one'],
  ])('gives null for %j', (output) => {
    expect(parseOptionLetter(output, shown)).toBeNull();
  });

  it('maps the letter through the order this variation showed', () => {
    expect(parseOptionLetter('A.', { choices: ['blue', 'red', 'yellow', 'green'] })).toBe('blue');
  });

  it('gives null for a letter past the last option shown', () => {
    expect(parseOptionLetter('D', { choices: ['x', 'y', 'z'] })).toBeNull();
  });

  it('needs the options the variation showed', () => {
    expectBadInput(() => parseOptionLetter('B', {}), 'field "choices"');
  });
});

describe('renderOptionLetter', () => {
  it('writes the letter and the option text', () => {
    expect(renderOptionLetter('blue', shown)).toBe(' C. blue');
  });

  it('refuses an answer that is not an option of the variation', () => {
    expectBadInput(() => renderOptionLetter('purple', shown), 'field "answer"', 'purple');
  });

  it('is read back by the parser for any options and any order (property)', () => {
    const orders = allPermutations(4);
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 4, maxLength: 4 }), fc.nat(orders.length - 1), fc.nat(3), (options, o, i) => {
        const variation = { choices: applyPermutation(options, orders[o] as number[]) };
        const answer = variation.choices[i] as string;
        expect(parseOptionLetter(renderOptionLetter(answer, variation), variation)).toBe(answer);
      }),
    );
  });
});

describe('optionOrderVariations', () => {
  const render = (order: readonly string[]) => order.map((c, i) => `${'ABCD'[i]}. ${c}`).join(' ');

  it('makes N distinct orders with the original first, each prompt showing its own choices', () => {
    const variations = optionOrderVariations(choices, 5, new Rng(7), 'original-first', render);
    expect(variations.map((v) => v.variant)).toEqual([0, 1, 2, 3, 4]);
    expect(variations[0]?.choices).toEqual(choices);
    expect(new Set(variations.map((v) => JSON.stringify(v.choices))).size).toBe(5);
    for (const v of variations) {
      expect([...(v.choices ?? [])].sort()).toEqual([...choices].sort());
      expect(v.prompt).toBe(render(v.choices ?? []));
    }
  });

  it('draws all N orders at random in all-random mode, still distinct', () => {
    const firsts = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const variations = optionOrderVariations(choices, 5, new Rng(seed), 'all-random', render);
      expect(new Set(variations.map((v) => JSON.stringify(v.choices))).size).toBe(5);
      firsts.add(JSON.stringify(variations[0]?.choices));
    }
    expect(firsts.size).toBeGreaterThan(1);
  });

  it('is deterministic given the rng seed', () => {
    const a = optionOrderVariations(choices, 5, new Rng(3), 'original-first', render);
    const b = optionOrderVariations(choices, 5, new Rng(3), 'original-first', render);
    expect(a).toEqual(b);
  });
});

describe('parseOptionAnswer (content first or letter first)', () => {
  it.each([
    ['green', 'green'],
    [' green (B)', 'green'],
    ['Green B.', 'green'],
    ['green B', 'green'],
    ['Answer: blue (C)', 'blue'],
    ['yellow, because the sun is yellow', 'yellow'],
    ['red is my guess', 'red'],
    ['B. green', 'green'],
    ['(C)', 'blue'],
    ['A', 'red'],
  ])('reads %j as the option it names', (output, expected) => {
    expect(parseOptionAnswer(output, shown)).toBe(expected);
  });

  it.each([
    ['green (C)'],
    ['green D.'],
    ['greenish'],
    ['purple (A)'],
    ['The answer is green'],
    [''],
    ['green (E)'],
  ])('gives null for %j (no option, or a letter that contradicts the text)', (output) => {
    expect(parseOptionAnswer(output, shown)).toBeNull();
  });

  it('prefers the longest option that the output starts with', () => {
    const variation = { choices: ['sings', 'sings a song', 'reads', 'rests'] };
    expect(parseOptionAnswer('sings a song (B)', variation)).toBe('sings a song');
    expect(parseOptionAnswer('sings (A)', variation)).toBe('sings');
    expect(parseOptionAnswer('sings a song (A)', variation)).toBeNull();
  });

  it('needs the options the variation showed', () => {
    expectBadInput(() => parseOptionAnswer('green', {}), 'field "choices"');
  });
});

describe('renderOptionContent', () => {
  it('writes the option text, then its letter in parentheses', () => {
    expect(renderOptionContent('blue', shown)).toBe(' blue (C)');
  });

  it('writes the option text alone when asked to leave the letter out', () => {
    expect(renderOptionContent('blue', shown, false)).toBe(' blue');
  });

  it('refuses an answer that is not an option of the variation', () => {
    expectBadInput(() => renderOptionContent('purple', shown), 'field "answer"', 'purple');
  });

  it('is read back by parseOptionAnswer for any word options in any order (property)', () => {
    const orders = allPermutations(4);
    const option = fc.stringMatching(/^[a-z]{1,6}( [a-z]{1,6}){0,2}$/);
    fc.assert(
      fc.property(fc.uniqueArray(option, { minLength: 4, maxLength: 4 }), fc.nat(orders.length - 1), fc.nat(3), (options, o, i) => {
        const variation = { choices: applyPermutation(options, orders[o] as number[]) };
        const answer = variation.choices[i] as string;
        expect(parseOptionAnswer(renderOptionContent(answer, variation), variation)).toBe(answer);
      }),
    );
  });
});
