import { badInput } from '../../errors.js';
import { ggufBool, ggufI32s, ggufString, ggufStrings, ggufU32, type GgufValue } from './gguf.js';
import type { HfTokenizer } from '../tokenizers/tokenizer.js';

/*
 * A Hugging Face byte-level BPE tokenizer (GPT-2's kind, the kind closed-vocabulary.ts builds) as llama.cpp's
 * `tokenizer.ggml.*` metadata, the way llama.cpp's convert_hf_to_gguf.py writes it: model "gpt2", one token string
 * per id (ids the tokenizer lacks become "[PAD<id>]", unused), a token type per id, the merges as "left right", the
 * special token ids, and the pre-tokenizer's name. Byte-level pre-tokenization with its regex is GPT-2's, which
 * llama.cpp calls "gpt-2". Other tokenizers (SentencePiece-style BPE, other pre-tokenizer regexes) are refused rather
 * than written with metadata that would tokenize differently.
 */

/** llama.cpp's token types (llama_token_type). */
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5 } as const;

interface TokenizerJson {
  normalizer?: unknown;
  pre_tokenizer?: { type?: string; add_prefix_space?: boolean; use_regex?: boolean; pretokenizers?: unknown[] } | null;
  decoder?: { type?: string } | null;
  added_tokens?: { id: number; content: string; special?: boolean }[];
  model?: {
    type?: string;
    vocab?: Record<string, number>;
    merges?: (string | [string, string])[];
    byte_fallback?: boolean;
    continuing_subword_prefix?: string | null;
    end_of_word_suffix?: string | null;
  };
}

/** The tokenizer.ggml.* metadata for a tokenizer whose model has `vocabSize` embedding rows. */
export function ggufTokenizerMetadata(tokenizer: HfTokenizer, vocabSize: number, file = 'tokenizer.json'): [string, GgufValue][] {
  const json = JSON.parse(tokenizer.json) as TokenizerJson;
  checkByteLevelBpe(json, file);
  const model = json.model!;
  const tokens = Array.from({ length: vocabSize }, (_, id) => `[PAD${id}]`);
  const types = new Array<number>(vocabSize).fill(TOKEN_TYPE.unused);
  const place = (id: number, token: string, type: number, field: string): void => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw badInput(`token id ${id} is outside the model's vocabulary (${vocabSize})`, { file, field });
    tokens[id] = token;
    types[id] = type;
  };
  for (const [token, id] of Object.entries(model.vocab ?? {})) place(id, token, TOKEN_TYPE.normal, 'model.vocab');
  for (const added of json.added_tokens ?? []) place(added.id, added.content, added.special ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined, 'added_tokens');
  const merges = (model.merges ?? []).map((m) => (typeof m === 'string' ? m : `${m[0]} ${m[1]}`));

  const metadata: [string, GgufValue][] = [
    ['tokenizer.ggml.model', ggufString('gpt2')],
    ['tokenizer.ggml.pre', ggufString('gpt-2')],
    ['tokenizer.ggml.tokens', ggufStrings(tokens)],
    ['tokenizer.ggml.token_type', ggufI32s(types)],
    ['tokenizer.ggml.merges', ggufStrings(merges)],
  ];
  const special: [string, number | null][] = [
    ['tokenizer.ggml.bos_token_id', tokenizer.bosId],
    ['tokenizer.ggml.eos_token_id', tokenizer.eosId],
    ['tokenizer.ggml.padding_token_id', tokenizer.padId],
  ];
  for (const [key, id] of special) if (id !== null) metadata.push([key, ggufU32(id)]);
  // The engine puts bos before every prompt and training example when the tokenizer has one (backends/builtin.ts).
  metadata.push(['tokenizer.ggml.add_bos_token', ggufBool(tokenizer.bosId !== null)]);
  metadata.push(['tokenizer.ggml.add_eos_token', ggufBool(false)]);
  return metadata;
}

function checkByteLevelBpe(json: TokenizerJson, file: string): void {
  const refuse = (field: string, what: string): never => {
    throw badInput(`${what}; only byte-level BPE tokenizers (GPT-2's kind) can be written to GGUF`, { file, field });
  };
  const model = json.model;
  if (model?.type !== 'BPE') refuse('model.type', `the tokenizer model is ${JSON.stringify(model?.type)}, not "BPE"`);
  if (model!.byte_fallback) refuse('model.byte_fallback', 'byte fallback is SentencePiece-style BPE');
  if (model!.continuing_subword_prefix || model!.end_of_word_suffix) refuse('model.continuing_subword_prefix', 'subword prefixes and suffixes are not byte-level BPE');
  if (json.normalizer !== null && json.normalizer !== undefined) refuse('normalizer', 'the tokenizer normalizes text');
  let pre = json.pre_tokenizer;
  if (pre?.type === 'Sequence' && pre.pretokenizers?.length === 1) pre = pre.pretokenizers[0] as TokenizerJson['pre_tokenizer'];
  if (pre?.type !== 'ByteLevel') refuse('pre_tokenizer', `the pre-tokenizer is ${JSON.stringify(pre?.type ?? null)}, not ByteLevel`);
  if (pre!.use_regex === false) refuse('pre_tokenizer.use_regex', 'a ByteLevel pre-tokenizer without its regex has no llama.cpp equivalent');
  if (pre!.add_prefix_space) refuse('pre_tokenizer.add_prefix_space', 'llama.cpp adds no prefix space to byte-level BPE input');
  if (json.decoder?.type !== 'ByteLevel') refuse('decoder', `the decoder is ${JSON.stringify(json.decoder?.type ?? null)}, not ByteLevel`);
}
