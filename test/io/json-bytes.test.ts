// Telling when raw JSON string bytes are already what JSON.stringify writes, and decoding them as JSON.parse does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ESCAPED, NON_ASCII, canonicalBytes, decodeJsonString, isCanonical } from '../../src/io/json-bytes.js';
import { lineStyle, stringLiteral, text } from './answers-arbitrary.js';

/** The contents of a literal (between its quotes) as bytes, with the flags the scanner would report. */
function contents(literal: string): { bytes: Buffer; flags: number } {
  const bytes = Buffer.from(literal);
  let flags = 0;
  for (const b of bytes) {
    if (b === 0x5c) flags |= ESCAPED;
    if (b >= 0x80) flags |= NON_ASCII;
  }
  return { bytes, flags };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('JSON string bytes', () => {
  it('decodes any literal as JSON.parse, and calls it canonical when (and, lone surrogates aside, only when) it is what JSON.stringify writes', () => {
    fc.assert(
      fc.property(text(12), lineStyle, (value, style) => {
        const literal = stringLiteral(value, style);
        const { bytes, flags } = contents(literal);
        expect(decodeJsonString(bytes, 1, bytes.length - 1, flags)).toBe(value);
        const canonical = literal === JSON.stringify(value);
        // Sound: bytes called canonical are copied to the output as they are. Escaped lone surrogates are re-encoded.
        if (isCanonical(bytes, 1, bytes.length - 1, flags)) expect(canonical).toBe(true);
        else expect(canonical && LONE_SURROGATE.test(value)).toBe(canonical);
        expect(canonicalBytes(value)).toEqual(Buffer.from(JSON.stringify(value).slice(1, -1)));
      }),
      { numRuns: 3000 },
    );
  });

  it('calls raw bytes canonical only when they are well-formed UTF-8 (anything else reads as U+FFFD)', () => {
    const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }).filter((b) => b !== 0x22 && b !== 0x5c), fc.integer({ min: 0x80, max: 0xff }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (list) => {
        const bytes = Buffer.from(list);
        const flags = list.some((b) => b >= 0x80) ? NON_ASCII : 0;
        const decoded = decodeJsonString(bytes, 0, bytes.length, flags);
        expect(decoded).toBe(bytes.toString('utf8'));
        expect(isCanonical(bytes, 0, bytes.length, flags)).toBe(Buffer.from(JSON.stringify(decoded).slice(1, -1)).equals(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['"\\/"', false],
    ['"\\u0041"', false],
    ['"\\u001F"', false],
    ['"\\u001f"', true],
    ['"\\u000a"', false],
    ['"\\n\\t\\"\\\\\\b\\f\\r"', true],
    ['"\\ud800"', false],
    ['"\u2028"', true],
    ['"\u007f"', true],
  ])('%s is canonical: %s', (literal, canonical) => {
    const { bytes, flags } = contents(literal);
    expect(isCanonical(bytes, 1, bytes.length - 1, flags)).toBe(canonical);
  });
});
