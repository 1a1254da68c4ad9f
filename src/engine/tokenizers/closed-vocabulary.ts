import { byteLevelPreTokenizer } from 'tokenizers';
import { badInput } from '../../errors.js';
import { applyMerges, byteLevelAlphabet, mergeKey, type MergeRanks } from './bpe.js';
import { HfTokenizer, type SpecialTokens } from './tokenizer.js';

/*
 * A tokenizer for a closed vocabulary that is still an ordinary byte-level BPE tokenizer.json (GPT-2's layout): any
 * text encodes and decodes losslessly, and every vocabulary word is one token in both of the forms byte-level
 * pre-tokenization produces, "word" (at the start of a text or after a newline or punctuation) and " word" (after a
 * space).
 *
 * Merges are found by running the BPE merge loop on each form and, while it leaves more than one piece, appending a
 * merge of the first two pieces. An appended merge ranks after every existing one, so it only fires once nothing else
 * can, and a form that was already one token stays one token: every form ends as one token. Bare forms go first, so
 * " word" usually needs just one merge of its own, the space onto the finished word.
 */

const PRE_TOKENIZER = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
const DECODER = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };

/**
 * Builds a byte-level BPE tokenizer in which each word (letters only, digits only, or punctuation only: one
 * byte-level pre-token) is a single token, with and without a leading space. Ids: the special tokens first (bos,
 * eos, pad, unk, those given), then the 256 byte symbols, then merged tokens. When a bos token is given, the
 * post-processor prepends it, as Llama tokenizers do (applied only when special tokens are requested).
 */
export function buildClosedVocabularyTokenizer(words: readonly string[], specials: SpecialTokens = {}): HfTokenizer {
  const specialTokens = uniqueSpecials(specials);
  const vocab = new Map<string, number>();
  for (const token of specialTokens) vocab.set(token, vocab.size);
  for (const symbol of byteLevelAlphabet()) vocab.set(symbol, vocab.size);

  const sorted = [...new Set(words)].sort();
  const preTokenizer = byteLevelPreTokenizer(false, true);
  const symbolsOf = (text: string, word: string): string[] => {
    const pieces = preTokenizer.preTokenizeString(text);
    if (pieces.length !== 1) {
      throw badInput(
        `${JSON.stringify(word)} splits into ${pieces.length} pre-tokens; a vocabulary word must be letters only, digits only or punctuation only`,
        { field: 'words' },
      );
    }
    return [...pieces[0]![0]];
  };
  for (const word of sorted) {
    if (word.length === 0 || /\s/u.test(word)) throw badInput(`${JSON.stringify(word)} is empty or contains whitespace`, { field: 'words' });
    if (specialTokens.includes(word)) throw badInput(`${JSON.stringify(word)} is also a special token`, { field: 'words' });
  }
  const forms = [...sorted.map((w) => symbolsOf(w, w)), ...sorted.map((w) => symbolsOf(` ${w}`, w))];

  const ranks: MergeRanks = new Map();
  const merges: string[] = [];
  for (const form of forms) {
    let pieces = applyMerges(form, ranks);
    while (pieces.length > 1) {
      const [left, right] = pieces as [string, string];
      const key = mergeKey(left, right);
      ranks.set(key, merges.length);
      merges.push(key);
      if (!vocab.has(left + right)) vocab.set(left + right, vocab.size);
      pieces = applyMerges(form, ranks);
    }
  }

  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: PRE_TOKENIZER,
    post_processor: postProcessor(specials.bos, vocab),
    decoder: DECODER,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
  return HfTokenizer.fromJson(JSON.stringify(json), specials);
}

function uniqueSpecials(specials: SpecialTokens): string[] {
  const tokens: string[] = [];
  for (const kind of ['bos', 'eos', 'pad', 'unk'] as const) {
    const token = specials[kind];
    if (token === undefined) continue;
    if (token.length === 0) throw badInput('special tokens must be non-empty', { field: kind });
    if (!tokens.includes(token)) tokens.push(token);
  }
  return tokens;
}

/** Prepends bos to single texts and to each text of a pair, as Llama tokenizers do; no bos, no additions. */
function postProcessor(bos: string | undefined, vocab: Map<string, number>): Record<string, unknown> {
  if (bos === undefined) return { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true };
  const special = { SpecialToken: { id: bos, type_id: 0 } };
  return {
    type: 'TemplateProcessing',
    single: [special, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [special, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: bos, type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { [bos]: { id: bos, ids: [vocab.get(bos)], tokens: [bos] } },
  };
}
