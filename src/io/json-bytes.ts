// JSON string values as raw UTF-8 bytes: decoding them, and telling when the bytes are already what JSON.stringify
// would write, so that they can be copied to the output as they are instead of being decoded and encoded again.

/** The raw string contained escapes (a backslash). */
export const ESCAPED = 1;
/** The raw string contained bytes >= 0x80. */
export const NON_ASCII = 2;

/** The JS string of a valid JSON string value's contents, exactly as JSON.parse of the whole line gives it. */
export function decodeJsonString(buffer: Buffer, start: number, end: number, flags: number): string {
  if (flags & ESCAPED) return JSON.parse(buffer.toString('utf8', start - 1, end + 1)) as string;
  return buffer.toString(flags & NON_ASCII ? 'utf8' : 'latin1', start, end);
}

/**
 * Whether the raw contents of a valid JSON string are byte for byte what JSON.stringify writes for its value: well-formed
 * UTF-8 (the decoder replaces anything else) and only the escapes JSON.stringify itself uses. The escape of a lone
 * surrogate is taken as not canonical (telling it from half a pair is not worth it): such strings are re-encoded.
 */
export function isCanonical(buffer: Uint8Array, start: number, end: number, flags: number): boolean {
  if (flags === 0) return true;
  let i = start;
  while (i < end) {
    const b = buffer[i] as number;
    if (b === 0x5c) {
      const e = canonicalEscapeLength(buffer, i + 1);
      if (e === 0) return false;
      i += 1 + e;
    } else if (b < 0x80) i++;
    else {
      const n = utf8SequenceLength(buffer, i, end);
      if (n === 0) return false;
      i += n;
    }
  }
  return true;
}

/** The canonical bytes (JSON.stringify's, without the quotes) of a JS string. */
export function canonicalBytes(text: string): Buffer {
  const json = Buffer.from(JSON.stringify(text));
  return json.subarray(1, json.length - 1);
}

const SHORT_ESCAPES = new Set([0x22, 0x5c, 0x62, 0x66, 0x6e, 0x72, 0x74]); // " \ b f n r t
const SHORT_CONTROLS = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/** Length after the backslash of an escape JSON.stringify writes (`\n`, `\u001f` ...), or 0 for any other escape. */
function canonicalEscapeLength(buffer: Uint8Array, i: number): number {
  const c = buffer[i] as number;
  if (SHORT_ESCAPES.has(c)) return 1;
  if (c !== 0x75 || buffer[i + 1] !== 0x30 || buffer[i + 2] !== 0x30) return 0;
  const hi = buffer[i + 3] as number;
  const lo = buffer[i + 4] as number;
  const loValue = lo >= 0x30 && lo <= 0x39 ? lo - 0x30 : lo >= 0x61 && lo <= 0x66 ? lo - 0x57 : -1;
  if ((hi !== 0x30 && hi !== 0x31) || loValue < 0) return 0;
  // Control characters with a short form are written that way, never as \u00XX.
  return SHORT_CONTROLS.has((hi - 0x30) * 16 + loValue) ? 0 : 5;
}

/** Length of the well-formed UTF-8 sequence at i (no overlong forms, no surrogates, <= U+10FFFF), or 0. */
function utf8SequenceLength(buffer: Uint8Array, i: number, end: number): number {
  const b = buffer[i] as number;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) n = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    if (b === 0xe0) lo = 0xa0;
    else if (b === 0xed) hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    if (b === 0xf0) lo = 0x90;
    else if (b === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + n > end) return 0;
  const second = buffer[i + 1] as number;
  if (second < lo || second > hi) return 0;
  for (let k = 2; k < n; k++) {
    const c = buffer[i + k] as number;
    if (c < 0x80 || c > 0xbf) return 0;
  }
  return n;
}
