import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HfTokenizer } from '../../../src/engine/tokenizers/tokenizer.js';
import { expectBadInput, expected, FIXTURES, gpt2Dir, tempDir } from '../formats/helpers.js';

/** Texts that stress byte-level BPE: multi-byte characters, emoji sequences, whitespace runs, controls. */
const TEXTS = [
  'Hello, world!',
  'Héllo wörld! café 你好 🌍🚀',
  'hello   world\ttab\n\nnewline  ',
  ' leading and trailing  ',
  'family 👨‍👩‍👧 flag 🇯🇵 skin 👍🏽 combining é',
  'zero\u200bwidth and\u00a0nbsp and \r\n windows',
  'x'.repeat(300),
  '',
];

describe('HfTokenizer on the real GPT-2 tokenizer', () => {
  it('reads the special tokens from tokenizer_config.json', () => {
    const tok = HfTokenizer.load(gpt2Dir());
    expect(tok.vocabSize).toBe(50257);
    expect(tok.specials).toEqual({ bos: '<|endoftext|>', eos: '<|endoftext|>', unk: '<|endoftext|>' });
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([50256, 50256, null]);
  });

  it('encodes to the ids Python tokenizers gives', async () => {
    const tok = HfTokenizer.load(gpt2Dir());
    // Reference ids from Python tokenizers 0.15.2 on the same file.
    expect(await tok.encode('Hello, world!')).toEqual([15496, 11, 995, 0]);
    expect(await tok.encode('Héllo wörld! café 你好 🌍🚀')).toEqual([
      39, 2634, 18798, 266, 30570, 335, 0, 40304, 220, 19526, 254, 25001, 121, 12520, 234, 235, 8582, 248, 222,
    ]);
    expect(await tok.encode('hello   world\ttab\n\nnewline  ')).toEqual([31373, 220, 220, 995, 197, 8658, 198, 198, 3605, 1370, 220, 220]);
    expect(await tok.encode('<|endoftext|>x')).toEqual([50256, 87]);
  });

  it('decodes every fixture text back to itself', async () => {
    const tok = HfTokenizer.load(gpt2Dir());
    for (const text of TEXTS) expect(await tok.decode(await tok.encode(text))).toBe(text);
  });

  it('decodes any well-formed unicode text back to itself', async () => {
    const tok = HfTokenizer.load(gpt2Dir());
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), async (text) => (await tok.decode(await tok.encode(text))) === text),
      { numRuns: 200 },
    );
  });

  it('encodes a batch like one text at a time, and can drop special tokens when decoding', async () => {
    const tok = HfTokenizer.load(gpt2Dir());
    const batch = await tok.encodeBatch(TEXTS);
    for (let i = 0; i < TEXTS.length; i++) expect(batch[i]).toEqual(await tok.encode(TEXTS[i]!));
    expect(await tok.decode([50256, 15496, 50256], { skipSpecialTokens: true })).toBe('Hello');
  });

  it('saves tokenizer.json and tokenizer_config.json unchanged, and what it saves loads to the same ids', async () => {
    const src = gpt2Dir();
    const tok = HfTokenizer.load(src);
    const out = tempDir();
    tok.save(out);
    expect(readFileSync(join(out, 'tokenizer.json')).equals(readFileSync(join(src, 'tokenizer.json')))).toBe(true);
    expect(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).toBe(readFileSync(join(src, 'tokenizer_config.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(out, 'special_tokens_map.json'), 'utf8'))).toEqual({
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
    });
    const again = HfTokenizer.load(out);
    for (const text of TEXTS) expect(await again.encode(text)).toEqual(await tok.encode(text));
  });
});

describe('HfTokenizer on a tokenizer written by transformers', () => {
  it('encodes the sample texts to the ids Python recorded', async () => {
    const want = expected();
    const tok = HfTokenizer.load(join(FIXTURES, 'hf-tiny-llama'));
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([0, 1, 2]);
    for (let i = 0; i < want.sample_texts.length; i++) {
      expect(await tok.encode(want.sample_texts[i]!)).toEqual(want.llama.token_ids[i]);
    }
  });
});

describe('bad tokenizer files', () => {
  it('names the file when tokenizer.json is missing, not JSON, or not a tokenizer', () => {
    const dir = tempDir();
    expectBadInput(() => HfTokenizer.load(dir), join(dir, 'tokenizer.json'), 'no tokenizer.json');
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": ');
    expectBadInput(() => HfTokenizer.load(dir), join(dir, 'tokenizer.json'), 'not valid JSON');
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": {"type": "Nope"}}');
    expectBadInput(() => HfTokenizer.load(dir), join(dir, 'tokenizer.json'), 'not a tokenizer');
  });

  it('names the field when a special token is malformed or not in the vocabulary', () => {
    const dir = gpt2Dir();
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '<pad>' }));
    expectBadInput(() => HfTokenizer.load(dir), 'tokenizer_config.json', 'field "pad_token"', 'not in the vocabulary');
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: { content: 7 } }));
    expectBadInput(() => HfTokenizer.load(dir), 'field "eos_token"');
  });

  it('accepts special tokens given as AddedToken objects', () => {
    const dir = gpt2Dir();
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: { __type: 'AddedToken', content: '<|endoftext|>' } }));
    expect(HfTokenizer.load(dir).eosId).toBe(50256);
  });
});
