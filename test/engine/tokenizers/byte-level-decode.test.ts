import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteLevelDecoder } from '../../../src/engine/tokenizers/byte-level-decode.js';
import { buildClosedVocabularyTokenizer } from '../../../src/engine/tokenizers/closed-vocabulary.js';

describe('byteLevelDecoder', () => {
  const tokenizer = buildClosedVocabularyTokenizer(['hello', 'wörld', '日本', '.', '42'], { bos: '<s>', eos: '</s>', pad: '<pad>' });
  const tokens = Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.idToToken(id)!);
  const decode = byteLevelDecoder(tokens);

  it("decodes any id sequence as the tokenizer's own decoder does (special tokens, split and invalid UTF-8 included)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: tokenizer.vocabSize - 1 }), { maxLength: 12 }), async (ids) => {
        expect(decode(ids)).toBe(await tokenizer.decode(ids));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips text through the tokenizer', async () => {
    const text = 'hello wörld, 日本 42.\n\n  ☃ ends';
    expect(decode(await tokenizer.encode(text))).toBe(text);
  });

  it('refuses ids outside the vocabulary', () => {
    expect(() => decode([tokenizer.vocabSize])).toThrow(RangeError);
  });
});
