// Reading a file as chunks of whole lines, and as lines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLineChunks, readLines } from '../../src/data/lines.js';

const dir = mkdtempSync(join(tmpdir(), 'w2s-lines-'));
let files = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `f${files++}.txt`);
  writeFileSync(path, content);
  return path;
}

describe('readLineChunks', () => {
  it('hands out whole lines whatever the buffer size, growing it for lines longer than it', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '\r', '\n', 'xyz') }), { maxLength: 30 }), fc.integer({ min: 1, max: 16 }), (parts, size) => {
        const content = parts.join('');
        const path = file(content);
        let joined = '';
        let offset = 0;
        for (const chunk of readLineChunks(path, Buffer.alloc(size))) {
          expect(chunk.offset).toBe(offset);
          const text = chunk.buffer.toString('latin1', 0, chunk.end);
          const isLast = offset + chunk.end === Buffer.byteLength(content);
          if (!isLast) expect(text.endsWith('\n')).toBe(true);
          joined += text;
          offset += chunk.end;
        }
        expect(Buffer.from(joined, 'latin1')).toEqual(Buffer.from(content));
      }),
      { numRuns: 200 },
    );
  });
});

describe('readLines', () => {
  it('splits on \\n and \\r\\n, keeps a last line without a newline, and reports offsets', () => {
    const path = file('a\r\n\nb\rc\nlast');
    expect([...readLines(path)]).toEqual([
      { line: 1, text: 'a', bytesRead: 3 },
      { line: 2, text: '', bytesRead: 4 },
      { line: 3, text: 'b\rc', bytesRead: 8 },
      { line: 4, text: 'last', bytesRead: 12 },
    ]);
    expect([...readLines(file(''))]).toEqual([]);
    expect([...readLines(file('x\r'))]).toEqual([{ line: 1, text: 'x\r', bytesRead: 2 }]);
  });
});
