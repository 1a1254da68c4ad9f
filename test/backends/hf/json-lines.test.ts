import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonLineReader, LineSplitter, parseJsonLine, ProtocolError } from '../../../src/backends/hf/json-lines.js';

/** Cuts `bytes` at the given offsets (sorted, deduplicated, inside the buffer). */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(start, p));
    start = p;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

describe('LineSplitter', () => {
  it('returns whole lines only, joining pieces and holding back the unfinished tail', () => {
    const lines = new LineSplitter();
    expect(lines.push('ab')).toEqual([]);
    expect(lines.push('c\nde')).toEqual(['abc']);
    expect(lines.push('\r\n\nf')).toEqual(['de', '']);
    expect(lines.end()).toEqual(['f']);
    expect(lines.end()).toEqual([]);
  });

  it('keeps a multi-byte character whole when a chunk boundary splits it', () => {
    const bytes = Buffer.from('naïve → ok\n');
    for (let at = 0; at <= bytes.length; at++) {
      const lines = new LineSplitter();
      expect([...lines.push(bytes.subarray(0, at)), ...lines.push(bytes.subarray(at)), ...lines.end()]).toEqual(['naïve → ok']);
    }
  });
});

describe('JsonLineReader', () => {
  it('yields the same objects however the byte stream is chunked', () => {
    const message = fc.record({ event: fc.constantFrom('step', 'done'), step: fc.nat(), text: fc.string({ unit: 'grapheme' }), loss: fc.double({ noNaN: true, noDefaultInfinity: true }) });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), fc.boolean(), (messages, offsets, finalNewline) => {
        const text = messages.map((m) => JSON.stringify(m)).join('\n') + (finalNewline && messages.length > 0 ? '\n' : '');
        const reader = new JsonLineReader('the test');
        const got = [...cut(Buffer.from(text), offsets).flatMap((piece) => reader.push(piece)), ...reader.end()];
        expect(got).toEqual(messages.map((m) => JSON.parse(JSON.stringify(m))));
      }),
    );
  });

  it('skips blank lines and names the speaker and the line when a line is not a JSON object', () => {
    const reader = new JsonLineReader('w2s_hf train');
    expect(reader.push('\n{"event":"start"}\n  \n')).toEqual([{ event: 'start' }]);
    expect(() => reader.push('Loading checkpoint shards: 100%\n')).toThrow(ProtocolError);
    expect(() => parseJsonLine('Loading checkpoint shards: 100%', 'w2s_hf train')).toThrow(
      'w2s_hf train wrote a line on stdout that is not JSON: "Loading checkpoint shards: 100%"',
    );
    expect(() => parseJsonLine('[1, 2]', 'w2s_hf train')).toThrow('w2s_hf train wrote a line on stdout that is not a JSON object: "[1, 2]"');
    expect(() => parseJsonLine('x'.repeat(500), 'w2s_hf')).toThrow(/"x{200}\.\.\."$/);
  });
});
