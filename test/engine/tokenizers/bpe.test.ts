import fc from 'fast-check';
import { byteLevelAlphabet as libraryAlphabet, byteLevelPreTokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { applyMerges, byteLevelAlphabet, mergeKey, type MergeRanks } from '../../../src/engine/tokenizers/bpe.js';
import { HfTokenizer } from '../../../src/engine/tokenizers/tokenizer.js';

describe('byteLevelAlphabet', () => {
  const alphabet = byteLevelAlphabet();

  it('has 256 distinct single-character, non-whitespace symbols, the same set as the tokenizers library', () => {
    expect(new Set(alphabet).size).toBe(256);
    expect(alphabet.every((s) => s.length === 1 && !/\s/u.test(s))).toBe(true);
    expect(new Set(alphabet)).toEqual(new Set(libraryAlphabet()));
    expect(alphabet[0x20]).toBe('Ġ');
    expect(alphabet[0x0a]).toBe('Ċ');
  });

  it('maps the UTF-8 bytes of any text the way the library pre-tokenizer does', () => {
    const pre = byteLevelPreTokenizer(false, false);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), (text) => {
        const ours = [...Buffer.from(text, 'utf8')].map((b) => alphabet[b]).join('');
        return pre.preTokenizeString(text).map(([piece]) => piece).join('') === ours;
      }),
    );
  });
});

describe('applyMerges', () => {
  /** A byte-level BPE tokenizer.json with the given merges, to compare our merge loop with the library's. */
  function libraryTokenizer(merges: string[]): HfTokenizer {
    const vocab: Record<string, number> = {};
    for (const s of byteLevelAlphabet()) vocab[s] = Object.keys(vocab).length;
    for (const m of merges) {
      const [left, right] = m.split(' ') as [string, string];
      for (const token of [left, right, left + right]) vocab[token] ??= Object.keys(vocab).length;
    }
    const json = {
      version: '1.0',
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, fuse_unk: false, byte_fallback: false, vocab, merges },
    };
    return HfTokenizer.fromJson(JSON.stringify(json));
  }

  it('merges the lowest-ranked pair first, leftmost first on repeats', () => {
    const ranks: MergeRanks = new Map([
      [mergeKey('a', 'a'), 0],
      [mergeKey('b', 'c'), 1],
      [mergeKey('a', 'bc'), 2],
    ]);
    expect(applyMerges([...'aaa'], ranks)).toEqual(['aa', 'a']);
    expect(applyMerges([...'abc'], ranks)).toEqual(['abc']);
    expect(applyMerges([...'xyz'], ranks)).toEqual(['x', 'y', 'z']);
  });

  it('splits words exactly as the library BPE model does, for random merge lists', async () => {
    const letter = fc.constantFrom('a', 'b', 'c');
    const symbol = fc.array(letter, { minLength: 1, maxLength: 3 }).map((l) => l.join(''));
    const merges = fc.uniqueArray(fc.tuple(symbol, symbol).map(([l, r]) => mergeKey(l, r)), { maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(merges, fc.array(letter, { minLength: 1, maxLength: 10 }), async (list, letters) => {
        const tok = libraryTokenizer(list);
        const ranks: MergeRanks = new Map(list.map((m, i) => [m, i]));
        const ids = await tok.encode(letters.join(''));
        return JSON.stringify(ids.map((id) => tok.idToToken(id))) === JSON.stringify(applyMerges(letters, ranks));
      }),
      { numRuns: 150 },
    );
  });
});
