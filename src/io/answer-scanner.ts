// A byte scanner for lines of an answers file (docs/contracts.md): it validates the line as JSON and finds the fields
// `w2s score` needs without building strings or objects. It accepts only lines it fully understands; for anything else
// it says no and the caller parses the line with JSON.parse, so results never depend on it.
import { ESCAPED, NON_ASCII } from './json-bytes.js';

/** The fields of the answers contract, as indices into {@link AnswerFields}. */
export const ID = 0;
export const VARIANT = 1;
export const PROMPT = 2;
export const OUTPUT = 3;
export const ANSWER = 4;
export const GOLD = 5;
export const CHOICES = 6;
const FIELD_NAMES = ['id', 'variant', 'prompt', 'output', 'answer', 'gold', 'choices'].map((name) => Buffer.from(name));

/** What a field's value was. */
export const ABSENT = 0;
export const STRING = 1;
export const NULL = 2;
export const NUMBER = 3;
export const STRING_ARRAY = 4;
export const OTHER = 5;

const MAX_MEMBERS = 32;
const MAX_SHAPE_BYTES = 1024;

/**
 * Where a scanned line's fields are kept in a record (an Int32Array; the native scanner, native/answer_scan.h, writes
 * the same layout): per contract field its kind, the byte range of its value (for strings: between the quotes) and its
 * string flags (ESCAPED, NON_ASCII); the variant; where the next line starts (native scanner only).
 */
export const RECORD_KIND = 0;
export const RECORD_START = 7;
export const RECORD_END = 14;
export const RECORD_FLAGS = 21;
export const RECORD_VARIANT = 28;
export const RECORD_NEXT = 29;
export const RECORD_STRIDE = 32;

/**
 * The fields of one scanned line (the last occurrence of a key wins, as with JSON.parse), as a record (see
 * RECORD_KIND) and views of its parts. Reused from line to line.
 *
 * It also remembers the shape of the last line the scanner read member by member: the bytes between the values (keys,
 * colons, commas, spaces). Lines of one file are nearly always written alike, so the next line is first matched against
 * that shape, which skips the key-by-key work; any difference sends it the long way.
 */
export class AnswerFields {
  readonly record = new Int32Array(RECORD_STRIDE);
  readonly kind = this.record.subarray(RECORD_KIND, RECORD_KIND + 7);
  readonly start = this.record.subarray(RECORD_START, RECORD_START + 7);
  readonly end = this.record.subarray(RECORD_END, RECORD_END + 7);
  readonly flags = this.record.subarray(RECORD_FLAGS, RECORD_FLAGS + 7);
  /** A JS number: variants beyond the record's 32 bits are valid too. */
  variant = 0;
  /** The shape: `members` values, member k of field shapeField[k]; literal k is shapeBytes[literal[k], literal[k + 1]). */
  members = -1;
  readonly shapeField = new Int32Array(MAX_MEMBERS);
  readonly literal = new Int32Array(MAX_MEMBERS + 2);
  readonly shapeBytes = new Uint8Array(MAX_SHAPE_BYTES);
  readonly shapeWords = new DataView(this.shapeBytes.buffer);
  /** The members of the line last read member by member, and where its values start and end. */
  scannedMembers = 0;
  readonly valueStart = new Int32Array(MAX_MEMBERS);
  readonly valueEnd = new Int32Array(MAX_MEMBERS);
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 64;

/** Byte classes inside a string: 0 plain, 1 quote, 2 backslash, 3 control (invalid), 4 >= 0x80. */
const STRING_CLASS = new Uint8Array(256);
STRING_CLASS.fill(3, 0, 0x20);
STRING_CLASS[QUOTE] = 1;
STRING_CLASS[BACKSLASH] = 2;
STRING_CLASS.fill(4, 0x80);
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

/** Flags of the last string scanned. */
let stringFlags = 0;

/**
 * A DataView of the buffer being scanned, to read 4 bytes at a time: comparing a shape's literals word by word, and
 * skipping plain runs of a string with a SWAR test (a word with a quote, a backslash, a control byte or a byte >= 0x80
 * stops the run).
 */
let wordsOf: Buffer | undefined;
let words: DataView = new DataView(new ArrayBuffer(0));

function wordView(buffer: Buffer): DataView {
  if (wordsOf !== buffer) {
    wordsOf = buffer;
    words = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  return words;
}

/** Whether any of the 4 bytes of w is a quote, a backslash, below 0x20 or at least 0x80 (bit tricks on 32 bits). */
function special(w: number): boolean {
  const quote = w ^ 0x22222222;
  const backslash = w ^ 0x5c5c5c5c;
  return ((((w - 0x20202020) & ~w) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash) | w) & 0x80808080) !== 0;
}

/**
 * Scan the line at `buffer[start]` into `fields`, reading no further than `limit`. A line never holds a line feed, and
 * the scanner accepts none, so it cannot read past the line's end: the limit may be the end of the line or of the
 * buffer. Returns the index after the object and the spaces that follow it (the caller checks that the line ends
 * there) when the line is a JSON object whose contract fields have the right types: id a non-empty string, variant a
 * non-negative integer, prompt and output strings, answer and gold absent, null or strings, choices absent or an array
 * of strings. Returns -1 for anything else, valid or not (blank lines included): the caller then parses the line the
 * slow way.
 */
export function scanAnswerLine(buffer: Buffer, start: number, limit: number, fields: AnswerFields): number {
  const { kind } = fields;
  for (let f = 0; f < 7; f++) kind[f] = ABSENT;
  if (fields.members >= 0) {
    const close = matchShape(buffer, start, limit, fields);
    if (close >= 0) return checkTypes(buffer, fields) ? skipSpace(buffer, close, limit) : -1;
    for (let f = 0; f < 7; f++) kind[f] = ABSENT;
  }
  const close = scanMembers(buffer, start, limit, fields);
  if (close < 0 || !checkTypes(buffer, fields)) return -1;
  rememberShape(buffer, start, close, fields);
  return skipSpace(buffer, close, limit);
}

/**
 * Reads the line against the remembered shape: the index after its closing brace, or -1 as soon as it differs (the
 * fields are then partly filled).
 */
function matchShape(buffer: Buffer, start: number, limit: number, fields: AnswerFields): number {
  const { literal, shapeBytes, shapeWords, shapeField, members } = fields;
  const view = wordView(buffer);
  let i = start;
  for (let k = 0; ; k++) {
    const from = literal[k] as number;
    const to = literal[k + 1] as number;
    if (i + to - from > limit) return -1;
    let j = from;
    for (; j + 4 <= to; j += 4, i += 4) if (view.getInt32(i, true) !== shapeWords.getInt32(j, true)) return -1;
    for (; j < to; j++, i++) if (buffer[i] !== shapeBytes[j]) return -1;
    if (k === members) return i;
    const field = shapeField[k] as number;
    if (buffer[i] === QUOTE) {
      // Plain strings (ASCII, no escapes), by far the most common values, are read here; scanString reads the others.
      let close = i + 1;
      while (close + 4 <= limit && !special(view.getInt32(close, true))) close += 4;
      while (close < limit && STRING_CLASS[buffer[close] as number] === 0) close++;
      let flags = 0;
      if (close >= limit || buffer[close] !== QUOTE) {
        close = scanString(buffer, i + 1, limit);
        if (close < 0) return -1;
        flags = stringFlags;
      }
      if (field >= 0) recordString(fields, field, i + 1, close, flags);
      i = close + 1;
    } else {
      i = scanValue(buffer, i, limit, field, fields);
      if (i < 0) return -1;
    }
  }
}

/** Keeps the bytes between the values of the line just read member by member, which ends at `close`. */
function rememberShape(buffer: Buffer, start: number, close: number, fields: AnswerFields): void {
  const { literal, shapeBytes, valueStart, valueEnd, scannedMembers: members } = fields;
  fields.members = -1;
  if (members > MAX_MEMBERS) return;
  let used = 0;
  for (let k = 0; k <= members; k++) {
    const from = k === 0 ? start : (valueEnd[k - 1] as number);
    const to = k === members ? close : (valueStart[k] as number);
    if (used + to - from > shapeBytes.length) return;
    literal[k] = used;
    shapeBytes.set(buffer.subarray(from, to), used);
    used += to - from;
  }
  literal[members + 1] = used;
  fields.members = members;
}

/**
 * Reads the line member by member: the index after its closing brace (the members counted in `scannedMembers`), or -1
 * when it is not a JSON object.
 */
function scanMembers(buffer: Buffer, start: number, limit: number, fields: AnswerFields): number {
  let members = 0;
  let i = skipSpace(buffer, start, limit);
  if (i >= limit || buffer[i] !== 0x7b) return -1;
  i = skipSpace(buffer, i + 1, limit);
  if (i < limit && buffer[i] === 0x7d) i++;
  else {
    while (true) {
      if (i >= limit || buffer[i] !== QUOTE) return -1;
      const keyEnd = scanString(buffer, i + 1, limit);
      // An escaped key might spell a field's name: leave it to JSON.parse.
      if (keyEnd < 0 || stringFlags & ESCAPED) return -1;
      const field = fieldOf(buffer, i + 1, keyEnd);
      i = skipSpace(buffer, keyEnd + 1, limit);
      if (i >= limit || buffer[i] !== 0x3a) return -1;
      i = skipSpace(buffer, i + 1, limit);
      if (i >= limit) return -1;
      const valueStart = i;
      i = scanValue(buffer, i, limit, field, fields);
      if (i < 0) return -1;
      if (members < MAX_MEMBERS) {
        fields.shapeField[members] = field;
        fields.valueStart[members] = valueStart;
        fields.valueEnd[members] = i;
      }
      members++;
      i = skipSpace(buffer, i, limit);
      if (i >= limit) return -1;
      const separator = buffer[i];
      if (separator === 0x2c) {
        i = skipSpace(buffer, i + 1, limit);
        continue;
      }
      if (separator !== 0x7d) return -1;
      i++;
      break;
    }
  }
  fields.scannedMembers = members;
  return i;
}

function recordString(fields: AnswerFields, field: number, start: number, end: number, flags: number): void {
  fields.start[field] = start;
  fields.end[field] = end;
  fields.flags[field] = flags;
  fields.kind[field] = STRING;
}

/** Reads the value at i and, for a contract field, records it; the index after the value, or -1. */
function scanValue(buffer: Buffer, i: number, end: number, field: number, fields: AnswerFields): number {
  const c = buffer[i] as number;
  if (c === QUOTE) {
    const close = scanString(buffer, i + 1, end);
    if (close < 0) return -1;
    if (field >= 0) recordString(fields, field, i + 1, close, stringFlags);
    return close + 1;
  }
  let valueEnd: number;
  let valueKind: number;
  if (field === CHOICES && c === 0x5b) {
    // Anything but a flat array of strings here is bad input (or not JSON): JSON.parse says which.
    valueEnd = scanStringArray(buffer, i, end);
    valueKind = STRING_ARRAY;
  } else {
    valueEnd = skipValue(buffer, i, end, 0);
    valueKind = c === 0x6e ? NULL : c === 0x2d || (c >= 0x30 && c <= 0x39) ? NUMBER : OTHER;
  }
  if (valueEnd >= 0 && field >= 0) {
    fields.start[field] = i;
    fields.end[field] = valueEnd;
    fields.kind[field] = valueKind;
  }
  return valueEnd;
}

function checkTypes(buffer: Buffer, fields: AnswerFields): boolean {
  const { kind } = fields;
  if (kind[ID] !== STRING || fields.end[ID] === fields.start[ID]) return false;
  if (kind[PROMPT] !== STRING || kind[OUTPUT] !== STRING) return false;
  const answer = kind[ANSWER];
  if (answer !== ABSENT && answer !== NULL && answer !== STRING) return false;
  const gold = kind[GOLD];
  if (gold !== ABSENT && gold !== NULL && gold !== STRING) return false;
  if (kind[CHOICES] !== ABSENT && kind[CHOICES] !== STRING_ARRAY) return false;
  if (kind[VARIANT] !== NUMBER) return false;
  const variant = numberValue(buffer, fields.start[VARIANT] as number, fields.end[VARIANT] as number);
  if (!Number.isInteger(variant) || variant < 0) return false;
  fields.variant = variant;
  return true;
}

/** The value of a valid JSON number: plain digits directly, anything else (sign, fraction, exponent) as JSON.parse. */
function numberValue(buffer: Buffer, start: number, end: number): number {
  if (end - start <= 9) {
    let value = 0;
    let i = start;
    for (; i < end; i++) {
      const d = (buffer[i] as number) - 0x30;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (i === end) return value;
  }
  return Number(buffer.toString('latin1', start, end));
}

function skipSpace(buffer: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = buffer[i];
    if (c !== SPACE && c !== TAB && c !== CR) break;
    i++;
  }
  return i;
}

/** The contract field a key names, or -1. */
function fieldOf(buffer: Buffer, start: number, end: number): number {
  let candidate: number;
  switch (end - start) {
    case 2:
      candidate = ID;
      break;
    case 4:
      candidate = GOLD;
      break;
    case 6:
      candidate = buffer[start] === 0x70 ? PROMPT : buffer[start] === 0x6f ? OUTPUT : ANSWER;
      break;
    case 7:
      candidate = buffer[start] === 0x76 ? VARIANT : CHOICES;
      break;
    default:
      return -1;
  }
  const name = FIELD_NAMES[candidate] as Buffer;
  for (let k = 0; k < name.length; k++) if (buffer[start + k] !== name[k]) return -1;
  return candidate;
}

/**
 * From just after an opening quote: the index of the closing quote, or -1 when the string is invalid (a control
 * character, a bad escape) or unterminated. Sets `stringFlags`.
 */
function scanString(buffer: Buffer, i: number, end: number): number {
  let flags = 0;
  const view = wordView(buffer);
  while (true) {
    while (i + 4 <= end && !special(view.getInt32(i, true))) i += 4;
    if (i >= end) return -1;
    const c = STRING_CLASS[buffer[i] as number];
    if (c === 0) {
      i++;
      continue;
    }
    if (c === 1) {
      stringFlags = flags;
      return i;
    }
    if (c === 4) {
      flags |= NON_ASCII;
      i++;
    } else if (c === 2) {
      flags |= ESCAPED;
      if (i + 1 >= end) return -1;
      const e = buffer[i + 1] as number;
      if (e === 0x75) {
        if (i + 5 >= end) return -1;
        for (let k = 2; k < 6; k++) if (HEX[buffer[i + k] as number] === 0) return -1;
        i += 6;
      } else if (SIMPLE_ESCAPE[e] === 1) i += 2;
      else return -1;
    } else return -1;
  }
}

/** From an opening bracket: the index after a flat array of strings, or -1 (not such an array, or invalid). */
function scanStringArray(buffer: Buffer, i: number, end: number): number {
  i = skipSpace(buffer, i + 1, end);
  if (i < end && buffer[i] === 0x5d) return i + 1;
  while (i < end && buffer[i] === QUOTE) {
    const close = scanString(buffer, i + 1, end);
    if (close < 0) return -1;
    i = skipSpace(buffer, close + 1, end);
    if (i >= end) return -1;
    if (buffer[i] === 0x5d) return i + 1;
    if (buffer[i] !== 0x2c) return -1;
    i = skipSpace(buffer, i + 1, end);
  }
  return -1;
}

/** From the first byte of any JSON value: the index after it, or -1 when it is not valid JSON (or nests too deep). */
function skipValue(buffer: Buffer, i: number, end: number, depth: number): number {
  const c = buffer[i];
  if (c === QUOTE) {
    const close = scanString(buffer, i + 1, end);
    return close < 0 ? -1 : close + 1;
  }
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return skipNumber(buffer, i, end);
  if (c === 0x6e) return skipLiteral(buffer, i, end, 'null');
  if (c === 0x74) return skipLiteral(buffer, i, end, 'true');
  if (c === 0x66) return skipLiteral(buffer, i, end, 'false');
  if (depth >= MAX_DEPTH) return -1;
  if (c === 0x5b) return skipContainer(buffer, i, end, depth, 0x5d, false);
  if (c === 0x7b) return skipContainer(buffer, i, end, depth, 0x7d, true);
  return -1;
}

function skipContainer(buffer: Buffer, i: number, end: number, depth: number, close: number, keyed: boolean): number {
  i = skipSpace(buffer, i + 1, end);
  if (i < end && buffer[i] === close) return i + 1;
  while (i < end) {
    if (keyed) {
      if (buffer[i] !== QUOTE) return -1;
      const keyEnd = scanString(buffer, i + 1, end);
      if (keyEnd < 0) return -1;
      i = skipSpace(buffer, keyEnd + 1, end);
      if (i >= end || buffer[i] !== 0x3a) return -1;
      i = skipSpace(buffer, i + 1, end);
    }
    i = skipValue(buffer, i, end, depth + 1);
    if (i < 0) return -1;
    i = skipSpace(buffer, i, end);
    if (i >= end) return -1;
    if (buffer[i] === close) return i + 1;
    if (buffer[i] !== 0x2c) return -1;
    i = skipSpace(buffer, i + 1, end);
  }
  return -1;
}

function skipNumber(buffer: Buffer, i: number, end: number): number {
  if (buffer[i] === 0x2d) i++;
  if (i >= end) return -1;
  if (buffer[i] === 0x30) i++;
  else {
    const start = i;
    i = skipDigits(buffer, i, end);
    if (i === start) return -1;
  }
  if (i < end && buffer[i] === 0x2e) {
    const start = ++i;
    i = skipDigits(buffer, i, end);
    if (i === start) return -1;
  }
  if (i < end && (buffer[i] === 0x65 || buffer[i] === 0x45)) {
    i++;
    if (i < end && (buffer[i] === 0x2b || buffer[i] === 0x2d)) i++;
    const start = i;
    i = skipDigits(buffer, i, end);
    if (i === start) return -1;
  }
  return i;
}

function skipDigits(buffer: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = buffer[i] as number;
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

function skipLiteral(buffer: Buffer, i: number, end: number, literal: string): number {
  if (i + literal.length > end) return -1;
  for (let k = 0; k < literal.length; k++) if (buffer[i + k] !== literal.charCodeAt(k)) return -1;
  return i + literal.length;
}
