import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { worldCorpus } from '../../../src/tasks/synthetic/corpus.js';
import { allFamilies } from '../../../src/tasks/synthetic/families.js';
import { ROLES } from '../../../src/tasks/synthetic/world.js';
import { suiteTokenizer, suiteVocabulary, wordsOf } from '../../../src/tasks/synthetic/vocabulary.js';
import { smallWorld } from './helpers.js';

const world = smallWorld();
const tokenizer = suiteTokenizer(world);

/** Every text a run can feed the models: the corpus of both bases, and every family's prompts and answers. */
function allTexts(): string[] {
  const texts: string[] = [];
  for (const base of ['weak', 'strong'] as const) {
    for (const d of worldCorpus(world, base, 2, { factsPerDocument: 4, practiceFraction: 1 })) texts.push(d.prompt + d.completion);
  }
  for (const family of allFamilies()) {
    for (const role of ROLES) {
      for (const record of family.records(world, role, { goldFirst: 0.9 })) {
        for (const v of family.task.variations(record, family.task.defaultVariations, Rng.derive(3, record.id))) {
          texts.push(v.prompt + family.task.renderAnswer(record.gold as string, v, record));
        }
      }
    }
  }
  return texts;
}

describe('suite vocabulary', () => {
  it('is deterministic and sorted', () => {
    const words = suiteVocabulary(world);
    expect(suiteVocabulary(smallWorld())).toEqual(words);
    expect([...words].sort()).toEqual(words);
  });

  it('gives every word of every corpus text, prompt and completion exactly one token', async () => {
    const texts = allTexts();
    const ids = await tokenizer.encodeBatch(texts);
    texts.forEach((text, i) => expect(ids[i]!.length, text).toBe(wordsOf(text).length));
    const decoded = await Promise.all(ids.slice(0, 50).map((x) => tokenizer.decode(x)));
    expect(decoded).toEqual(texts.slice(0, 50));
  });

  it('puts bos before a prompt when special tokens are asked for, and has eos and pad', async () => {
    expect(tokenizer.bosId).not.toBeNull();
    expect(tokenizer.eosId).not.toBeNull();
    expect(tokenizer.padId).not.toBeNull();
    expect((await tokenizer.encode('question :', { addSpecialTokens: true }))[0]).toBe(tokenizer.bosId);
  });

  it('splits text into the pieces byte-level pre-tokenization makes', () => {
    expect(wordsOf(' red (B)')).toEqual(['red', '(', 'B', ')']);
    expect(wordsOf('A. 12 ...')).toEqual(['A', '.', '12', '...']);
  });
});
