import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as NativeTokenizer } from 'tokenizers';
import { badInput } from '../../errors.js';

/*
 * Tokenization is Hugging Face's own Rust `tokenizers` library (its Node binding), so ids match what Python's
 * `tokenizers`/`transformers` produce for the same tokenizer.json by construction. The tokenizer.json text is kept as
 * read (or as built) and written back byte for byte: the binding can save, but it writes merges as pairs, a layout
 * that `tokenizers` releases before 0.20 (the ones `transformers` on older PyTorch pins) cannot read.
 */

export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const SPECIAL_TOKENS_MAP_FILE = 'special_tokens_map.json';

/** Special token strings, as `tokenizer_config.json` names them (bos_token, eos_token, pad_token, unk_token). */
export interface SpecialTokens {
  bos?: string;
  eos?: string;
  pad?: string;
  unk?: string;
}

const SPECIAL_FIELDS = { bos: 'bos_token', eos: 'eos_token', pad: 'pad_token', unk: 'unk_token' } as const;

/** A Hugging Face tokenizer: tokenizer.json plus the special tokens its tokenizer_config.json names. */
export class HfTokenizer {
  readonly specials: Readonly<SpecialTokens>;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;

  private constructor(
    private readonly native: NativeTokenizer,
    /** The tokenizer.json text, exactly as it will be saved. */
    readonly json: string,
    /** tokenizer_config.json / special_tokens_map.json texts read with the tokenizer, written back unchanged. */
    private readonly companions: ReadonlyMap<string, string>,
    specials: SpecialTokens,
    file: string,
  ) {
    this.specials = { ...specials };
    const idOf = (kind: keyof SpecialTokens): number | null => {
      const token = specials[kind];
      if (token === undefined) return null;
      const id = native.tokenToId(token);
      if (id === null) throw badInput(`special token ${JSON.stringify(token)} is not in the vocabulary`, { file, field: SPECIAL_FIELDS[kind] });
      return id;
    };
    this.bosId = idOf('bos');
    this.eosId = idOf('eos');
    this.padId = idOf('pad');
    idOf('unk');
  }

  /** A tokenizer from tokenizer.json text and its special tokens; `file` names the source in errors. */
  static fromJson(json: string, specials: SpecialTokens = {}, file = TOKENIZER_FILE): HfTokenizer {
    return new HfTokenizer(parseNative(json, file), json, new Map(), specials, file);
  }

  /** Loads tokenizer.json from a folder, with the special tokens of its tokenizer_config.json when there is one. */
  static load(dir: string): HfTokenizer {
    const file = join(dir, TOKENIZER_FILE);
    if (!existsSync(file)) throw badInput('no tokenizer.json in the folder', { file });
    const json = readFileSync(file, 'utf8');
    const native = parseNative(json, file);
    const companions = new Map<string, string>();
    for (const name of [TOKENIZER_CONFIG_FILE, SPECIAL_TOKENS_MAP_FILE]) {
      const path = join(dir, name);
      if (existsSync(path)) companions.set(name, readFileSync(path, 'utf8'));
    }
    const configText = companions.get(TOKENIZER_CONFIG_FILE);
    const specials = configText === undefined ? {} : specialsFromConfig(configText, join(dir, TOKENIZER_CONFIG_FILE));
    return new HfTokenizer(native, json, companions, specials, join(dir, TOKENIZER_CONFIG_FILE));
  }

  /** Number of ids, added tokens included. */
  get vocabSize(): number {
    return this.native.getVocabSize(true);
  }

  /** Token ids of `text`; with `addSpecialTokens` the tokenizer's post-processor adds its own (e.g. a leading bos). */
  async encode(text: string, options: { addSpecialTokens?: boolean } = {}): Promise<number[]> {
    const encoding = await this.native.encode(text, null, { addSpecialTokens: options.addSpecialTokens ?? false });
    return encoding.getIds();
  }

  /** {@link encode} for many texts at once (the library spreads the batch over threads). */
  async encodeBatch(texts: string[], options: { addSpecialTokens?: boolean } = {}): Promise<number[][]> {
    const encodings = await this.native.encodeBatch(texts, { addSpecialTokens: options.addSpecialTokens ?? false });
    return encodings.map((e) => e.getIds());
  }

  /** Text of token ids; special tokens are kept unless `skipSpecialTokens`. */
  async decode(ids: number[], options: { skipSpecialTokens?: boolean } = {}): Promise<string> {
    return this.native.decode(ids, options.skipSpecialTokens ?? false);
  }

  /** The id of a token string, or null when it is not in the vocabulary. */
  tokenToId(token: string): number | null {
    return this.native.tokenToId(token);
  }

  /** The token string of an id, or null when the id is out of range. */
  idToToken(id: number): string | null {
    return this.native.idToToken(id);
  }

  /**
   * Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json, what `AutoTokenizer.from_pretrained`
   * reads. Companion files that came with a loaded tokenizer are written back unchanged.
   */
  save(dir: string): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, TOKENIZER_FILE), this.json);
    const named: Record<string, string> = {};
    for (const [kind, field] of Object.entries(SPECIAL_FIELDS)) {
      const token = this.specials[kind as keyof SpecialTokens];
      if (token !== undefined) named[field] = token;
    }
    const generated: Record<string, unknown> = {
      [TOKENIZER_CONFIG_FILE]: { tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: false, ...named },
      [SPECIAL_TOKENS_MAP_FILE]: named,
    };
    for (const [name, fallback] of Object.entries(generated)) {
      writeFileSync(join(dir, name), this.companions.get(name) ?? `${JSON.stringify(fallback, null, 2)}\n`);
    }
  }
}

function parseNative(json: string, file: string): NativeTokenizer {
  try {
    JSON.parse(json);
  } catch (err) {
    throw badInput(`not valid JSON (${(err as Error).message})`, { file });
  }
  try {
    return NativeTokenizer.fromString(json);
  } catch (err) {
    throw badInput(`not a tokenizer the tokenizers library can read (${(err as Error).message})`, { file });
  }
}

/** Special tokens of a tokenizer_config.json: each field is a string or an AddedToken object with `content`. */
function specialsFromConfig(text: string, file: string): SpecialTokens {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw badInput(`not valid JSON (${(err as Error).message})`, { file });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw badInput('must be a JSON object', { file });
  const specials: SpecialTokens = {};
  for (const [kind, field] of Object.entries(SPECIAL_FIELDS)) {
    const value = (config as Record<string, unknown>)[field];
    if (value === undefined || value === null) continue;
    const content = typeof value === 'object' ? (value as Record<string, unknown>).content : value;
    if (typeof content !== 'string') throw badInput('must be a token string or an object with a "content" string', { file, field });
    specials[kind as keyof SpecialTokens] = content;
  }
  return specials;
}
