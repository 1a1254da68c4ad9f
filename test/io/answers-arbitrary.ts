// fast-check generators of answers-file lines: the same values written in the many ways JSON allows (escapes JSON.stringify
// would not write, key orders, duplicated keys, whitespace, number forms), for the scanner and `w2s score` tests.
import fc from 'fast-check';

/** Text that exercises JSON escaping: quotes, backslashes, control characters, non-ASCII, lone surrogates. */
export const text = (maxLength = 10): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'q', ' ', '1') },
      fc.constantFrom('"', '\\', '/', '\n', '\t', '\r', '\u0000', '\u0008', '\u001f', '\u007f', '\u2028', 'é', '中', '😀', '\ud800', '\udfff', '\ufffd'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength,
  });

/** How a line is written. */
export interface LineStyle {
  /** Whitespace around colons and commas. */
  space: string;
  /** Escape every character outside printable ASCII as \uXXXX (and '/' as '\/'), with upper- or lowercase hex. */
  asciiEscapes: boolean;
  upperHex: boolean;
  /** How the variant's number is written: 0 plain, 1 with ".0", 2 with "e0", 3 as tenfold with "e-1". */
  numberForm: number;
  /** Write a decoy value for this key first; the real one follows (JSON.parse keeps the last). */
  decoyKey: string | null;
  /** Key order: a permutation seed. */
  order: number;
}

export const lineStyle: fc.Arbitrary<LineStyle> = fc.record({
  space: fc.constantFrom('', '', '', ' ', '\t', ' \r '),
  asciiEscapes: fc.boolean(),
  upperHex: fc.boolean(),
  numberForm: fc.nat(3),
  decoyKey: fc.constantFrom(null, null, 'id', 'variant', 'prompt', 'answer', 'gold'),
  order: fc.nat(),
});

/** A JSON string literal for `value`, in the style's escaping. */
export function stringLiteral(value: string, style: LineStyle): string {
  if (!style.asciiEscapes) return JSON.stringify(value);
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c && c !== 0x2f) out += value[i];
    else if (c === 0x2f) out += '\\/';
    else {
      const hex = c.toString(16).padStart(4, '0');
      out += `\\u${style.upperHex ? hex.toUpperCase() : hex}`;
    }
  }
  return `${out}"`;
}

function numberLiteral(value: number, form: number): string {
  if (form === 1) return `${value}.0`;
  if (form === 2) return `${value}e0`;
  if (form === 3) return `${value * 10}e-1`;
  return String(value);
}

/** One line's values (absent optional fields are undefined) and extra fields that the contract does not know. */
export interface LineValues {
  id: string;
  variant: number;
  prompt: string;
  output: string;
  answer?: string | null;
  gold?: string | null;
  choices?: string[];
  extra?: Record<string, unknown>;
}

/** The line for `values` in `style` (no line break). */
export function writeLine(values: LineValues, style: LineStyle): string {
  const member = (key: string, value: unknown): string => {
    const literal =
      typeof value === 'string'
        ? stringLiteral(value, style)
        : key === 'variant' && typeof value === 'number'
          ? numberLiteral(value, style.numberForm)
          : Array.isArray(value) && value.every((v) => typeof v === 'string')
            ? `[${value.map((v) => stringLiteral(v as string, style)).join(`,${style.space}`)}]`
            : JSON.stringify(value);
    return `${stringLiteral(key, { ...style, asciiEscapes: false })}${style.space}:${style.space}${literal}`;
  };
  const members = Object.entries({ ...values, extra: undefined, ...values.extra }).filter(([, v]) => v !== undefined);
  // A deterministic shuffle from the style's seed.
  let seed = style.order;
  for (let i = members.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [members[i], members[j]] = [members[j] as [string, unknown], members[i] as [string, unknown]];
  }
  const parts = members.map(([k, v]) => member(k, v));
  if (style.decoyKey !== null && (values as unknown as Record<string, unknown>)[style.decoyKey] !== undefined) parts.unshift(member(style.decoyKey, style.decoyKey === 'variant' ? 'not a number' : 7));
  return `{${style.space}${parts.join(`,${style.space}`)}${style.space}}`;
}

/** Extra fields with any JSON values. */
export const extraFields: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.constantFrom('meta', 'score', 'tags', 'n', 'note', 'é'),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 2 },
);

/** One line's values, contract fields with any text and a few extra fields; `promptLength` bounds the prompt. */
export const lineValues = (promptLength = 20): fc.Arbitrary<LineValues> =>
  fc.record(
    {
      id: text(6).filter((s) => s !== ''),
      variant: fc.oneof(fc.nat(40), fc.constant(0)),
      prompt: text(promptLength),
      output: text(12),
      answer: fc.option(text(5)),
      gold: fc.option(text(5)),
      choices: fc.array(text(4), { maxLength: 3 }),
      extra: extraFields,
    },
    { requiredKeys: ['id', 'variant', 'prompt', 'output'] },
  );

/** An edit of a line: delete, insert or replace a character at `at`, or cut the line there. */
export interface LineMutation {
  at: number;
  kind: number;
  insert: string;
}

export const lineMutation: fc.Arbitrary<LineMutation> = fc.record({
  at: fc.nat(),
  kind: fc.nat(3),
  insert: fc.constantFrom('"', '\\', '\u0001', '\t', '}', '{', ',', ':', ' ', 'x', '1', '-', '.', 'e', '[', ']', 'n', 'é', '\n'),
});

/** `line` with the mutations applied in turn. */
export function mutateLine(line: string, mutations: readonly LineMutation[]): string {
  for (const m of mutations) {
    const at = m.at % (line.length + 1);
    if (m.kind === 0) line = line.slice(0, at) + line.slice(at + 1);
    else if (m.kind === 1) line = line.slice(0, at) + m.insert + line.slice(at);
    else if (m.kind === 2) line = line.slice(0, at);
    else line = line.slice(0, at) + m.insert + line.slice(at + 1);
  }
  return line;
}
