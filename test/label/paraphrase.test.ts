import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { llmParaphraser, numbersIn, ParaphraseError, parseParaphrases, rewritePrompt } from '../../src/label/paraphrase.js';
import type { Complete, Decoding, Generation } from '../../src/backends/types.js';

// The first question of GSM8K's test split.
const QUESTION =
  "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?";

/** A `complete` that answers the k-th call with outputs[k] and records what it was asked. */
function scripted(outputs: (string | Generation)[]): Complete & { calls: { prompt: string; decoding: Decoding }[] } {
  const calls: { prompt: string; decoding: Decoding }[] = [];
  const complete = (async (prompt: string, decoding: Decoding) => {
    const next = outputs[calls.length] ?? '';
    calls.push({ prompt, decoding });
    return typeof next === 'string' ? { ok: true, output: next, finishReason: 'stop', retries: [] } : next;
  }) as Complete & { calls: typeof calls };
  complete.calls = calls;
  return complete;
}

const good = (i: number): string => `Every day Janet's ducks lay 16 eggs (version ${i}); she eats 3 and bakes with 4, selling the rest at $2 each. What does she earn daily?`;

describe('parseParaphrases', () => {
  it('reads numbered and bulleted items, unquoted, and skips everything else', () => {
    const output = 'Here are the rewrites:\n1. First one.\n2) "Second one."\nRewrite 3: Third one.\n- Fourth one.\n\n5.   \nThanks!';
    expect(parseParaphrases(output)).toEqual(['First one.', 'Second one.', 'Third one.', 'Fourth one.']);
  });
});

describe('numbersIn', () => {
  it('finds every number, thousands commas dropped', () => {
    expect([...numbersIn('It costs $1,200.50 for 3 items, or 2.5 each.')]).toEqual(['1200.50', '3', '2.5']);
  });
});

describe('rewritePrompt', () => {
  it('asks for n numbered rewrites of the question on one line', () => {
    const prompt = rewritePrompt('Line one.\nLine two?', 4);
    expect(prompt).toContain('in 4 different ways');
    expect(prompt).toContain('numbered 1. to 4.');
    expect(prompt).toContain('Problem: Line one. Line two?\n\nRewrites:\n');
  });
});

describe('llmParaphraser', () => {
  it('returns n distinct rewrites from one request', async () => {
    const complete = scripted([[1, 2, 3, 4].map((i) => `${i}. ${good(i)}`).join('\n')]);
    const texts = await llmParaphraser({ complete }).paraphrase(QUESTION, 4, new Rng(1));
    expect(texts).toEqual([good(1), good(2), good(3), good(4)]);
    expect(complete.calls).toHaveLength(1);
    expect(complete.calls[0]?.prompt).toBe(rewritePrompt(QUESTION, 4));
    expect(complete.calls[0]?.decoding).toMatchObject({ temperature: 0.7, maxTokens: 1024, stop: [] });
  });

  it('rejects repeats, the question itself, empty items and rewrites that drop a number, then asks again with the next seed', async () => {
    const complete = scripted([
      [`1. ${good(1)}`, `2. ${good(1).toUpperCase()}`, `3. ${QUESTION}`, '4. ...', "5. Janet's ducks lay eggs and she sells some. How much does she make?"].join('\n'),
      [`1. ${good(1)}`, `2. ${good(2)}`, `3. ${good(3)}`].join('\n'),
    ]);
    const texts = await llmParaphraser({ complete }).paraphrase(QUESTION, 3, new Rng(5));
    expect(texts).toEqual([good(1), good(2), good(3)]);
    expect(complete.calls).toHaveLength(2);
    const [first, second] = complete.calls.map((c) => c.decoding.seed as number);
    expect(second).toBe(((first as number) + 1) >>> 0);
  });

  it('keeps rewrites that drop a number when told not to check numbers', async () => {
    const complete = scripted(['1. How much does Janet make each day?']);
    expect(await llmParaphraser({ complete, keepNumbers: false }).paraphrase(QUESTION, 1, new Rng(0))).toEqual(['How much does Janet make each day?']);
  });

  it('draws its seed from the rng: the same rng state, the same requests', async () => {
    const a = scripted([`1. ${good(1)}`]);
    const b = scripted([`1. ${good(1)}`]);
    await llmParaphraser({ complete: a }).paraphrase(QUESTION, 1, new Rng(42));
    await llmParaphraser({ complete: b }).paraphrase(QUESTION, 1, new Rng(42));
    expect(a.calls[0]?.decoding.seed).toBe(b.calls[0]?.decoding.seed);
  });

  it('gives up with a ParaphraseError after maxAttempts requests without n good rewrites', async () => {
    const complete = scripted([`1. ${good(1)}`, `1. ${good(1)}`, 'nothing useful']);
    const error = await llmParaphraser({ complete, maxAttempts: 3 })
      .paraphrase(QUESTION, 2, new Rng(0))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParaphraseError);
    expect((error as ParaphraseError).reason).toBe('paraphrase');
    expect((error as ParaphraseError).message).toMatch(/1 of 2 usable paraphrases after 3 requests \(1 rewrites rejected/);
    expect(complete.calls).toHaveLength(3);
  });

  it('passes on a failed request with its reason', async () => {
    const complete = scripted([{ ok: false, reason: 'http-401', message: 'HTTP 401', retries: [], fatal: true }]);
    const error = (await llmParaphraser({ complete }).paraphrase(QUESTION, 2, new Rng(0)).catch((e: unknown) => e)) as ParaphraseError;
    expect(error).toBeInstanceOf(ParaphraseError);
    expect(error.reason).toBe('http-401');
    expect(error.fatal).toBe(true);
  });

  it('asks nothing for zero paraphrases', async () => {
    const complete = scripted([]);
    expect(await llmParaphraser({ complete }).paraphrase(QUESTION, 0, new Rng(0))).toEqual([]);
    expect(complete.calls).toHaveLength(0);
  });
});
