import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteLevelAlphabet } from '../../../src/engine/tokenizers/bpe.js';
import { buildClosedVocabularyTokenizer } from '../../../src/engine/tokenizers/closed-vocabulary.js';
import { HfTokenizer } from '../../../src/engine/tokenizers/tokenizer.js';
import { W2sError } from '../../../src/errors.js';
import { tempDir } from '../formats/helpers.js';

// "stop top open pest" and "aca cac ac ca" make every word's first pair an inner pair of another word: merge orders
// that just chain prefixes cannot make all of them single tokens.
const WORDS = ['stop', 'top', 'open', 'pest', 'aca', 'cac', 'ac', 'ca', 'the', 'wug', 'dax', 'blue', 'Answer', 'Question', ':', '?', '42', 'naïve', '漢字'];
const SPECIALS = { bos: '<s>', eos: '</s>', pad: '<pad>' };

async function idsOf(tok: HfTokenizer, text: string): Promise<number[]> {
  return tok.encode(text);
}

describe('buildClosedVocabularyTokenizer', () => {
  it('makes every word one token, with and without a leading space, each form its own id', async () => {
    const tok = buildClosedVocabularyTokenizer(WORDS, SPECIALS);
    const seen = new Set<number>();
    for (const word of WORDS) {
      for (const form of [word, ` ${word}`]) {
        const ids = await idsOf(tok, form);
        expect(ids, JSON.stringify(form)).toHaveLength(1);
        seen.add(ids[0]!);
      }
    }
    expect(seen.size).toBe(2 * WORDS.length);
  });

  it('keeps words one token inside running text', async () => {
    const tok = buildClosedVocabularyTokenizer(WORDS, SPECIALS);
    const text = 'Question: the wug stop?\nAnswer: blue';
    const pieces = await Promise.all((await idsOf(tok, text)).map((id) => tok.decode([id])));
    expect(pieces).toEqual(['Question', ':', ' the', ' wug', ' stop', '?', '\n', 'Answer', ':', ' blue']);
  });

  it('makes every word of any vocabulary one token', async () => {
    const word = fc.stringMatching(/^[a-zA-Z]{1,9}$/);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(word, { minLength: 1, maxLength: 40 }), async (words) => {
        const tok = buildClosedVocabularyTokenizer(words);
        const batch = await tok.encodeBatch([...words, ...words.map((w) => ` ${w}`)]);
        return batch.every((ids) => ids.length === 1);
      }),
      { numRuns: 60 },
    );
  });

  it('stays a lossless byte-level tokenizer for text outside the vocabulary', async () => {
    const tok = buildClosedVocabularyTokenizer(WORDS, SPECIALS);
    for (const text of ['unknown words, ünïcode 🚀 and   spaces\t\n', 'stopping tops', '']) {
      expect(await tok.decode(await tok.encode(text))).toBe(text);
    }
  });

  it('numbers special tokens first, then the 256 byte symbols, and prepends bos only on request', async () => {
    const tok = buildClosedVocabularyTokenizer(WORDS, SPECIALS);
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([0, 1, 2]);
    expect(byteLevelAlphabet().map((s) => tok.tokenToId(s))).toEqual([...Array(256).keys()].map((i) => i + 3));
    const plain = await tok.encode(' wug');
    expect(await tok.encode(' wug', { addSpecialTokens: true })).toEqual([0, ...plain]);
    expect(await tok.decode([0, ...plain, 1], { skipSpecialTokens: true })).toBe(' wug');
  });

  it('gives the same tokenizer whatever the order or repetition of the words', () => {
    const a = buildClosedVocabularyTokenizer(WORDS, SPECIALS);
    const b = buildClosedVocabularyTokenizer([...WORDS].reverse().concat(WORDS), SPECIALS);
    expect(b.json).toBe(a.json);
  });

  it('saves files that load back with the same ids and special tokens', async () => {
    const tok = buildClosedVocabularyTokenizer(WORDS, SPECIALS);
    const dir = tempDir();
    tok.save(dir);
    const back = HfTokenizer.load(dir);
    expect(back.specials).toEqual(SPECIALS);
    expect(back.json).toBe(tok.json);
    const text = 'Question: the dax?\nAnswer: 42';
    expect(await back.encode(text, { addSpecialTokens: true })).toEqual(await tok.encode(text, { addSpecialTokens: true }));
  });

  it('rejects words that are not one pre-token, contain whitespace, or clash with a special token', () => {
    const bad = (words: string[], part: string): void => {
      let caught: unknown;
      try {
        buildClosedVocabularyTokenizer(words, SPECIALS);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(W2sError);
      expect((caught as Error).message).toContain(part);
    };
    bad(["don't"], 'splits into 2 pre-tokens');
    bad(['a b'], 'contains whitespace');
    bad([''], 'is empty');
    bad(['<s>'], 'also a special token');
  });
});
