// Reading a file as chunks of whole lines, and as lines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IoThread } from '../../src/io/io-thread.js';
import { readLineChunks, readLineChunksAhead, readLines, type LineChunk } from '../../src/io/lines.js';
import { parityRequired } from '../helpers/hf-python.js';

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
          expect(chunk.start).toBe(0);
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

/** The chunks' texts and file offsets, checking that they tile the file in whole lines. */
function tiles(chunks: Iterable<LineChunk>, content: string): string[] {
  const texts: string[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    expect(chunk.offset).toBe(offset);
    const text = chunk.buffer.toString('latin1', chunk.start, chunk.end);
    offset += chunk.end - chunk.start;
    if (offset < Buffer.byteLength(content)) expect(text.endsWith('\n')).toBe(true);
    texts.push(text);
  }
  expect(Buffer.from(texts.join(''), 'latin1')).toEqual(Buffer.from(content));
  return texts;
}

describe('readLineChunksAhead', () => {
  if (!IoThread.available()) {
    if (parityRequired) it('has its I/O thread (W2S_PARITY=require)', () => expect(IoThread.available()).toBe(true));
    else it.skip('skipped: the native addon is absent or predates the I/O thread', () => {});
    return;
  }

  it('hands out whole lines like readLineChunks, reading ahead into the other half of its buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '\r', '\n', 'xyz') }), { maxLength: 30 }), fc.integer({ min: 1, max: 16 }), fc.nat(8), (parts, half, base) => {
        const content = parts.join('');
        const path = file(content);
        // The buffer lies inside the thread's arena, at `base`.
        const arena = Buffer.alloc(base + 2 * half + 3);
        const io = IoThread.start(arena) as IoThread;
        try {
          tiles(readLineChunksAhead(path, io, arena.subarray(base, base + 2 * half), base), content);
        } finally {
          io.stop();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('can be left early, with no read still running into its buffer', () => {
    const path = file('a\nb\nc\nd\n');
    const arena = Buffer.alloc(8);
    const io = IoThread.start(arena) as IoThread;
    const chunks = readLineChunksAhead(path, io, arena, 0);
    const first = chunks.next().value as LineChunk;
    expect(first.buffer.toString('latin1', first.start, first.end)).toBe('a\nb\n');
    chunks.return(undefined);
    expect(() => io.stop()).not.toThrow();
  });

  it('reports a failed read as the error it is', () => {
    const arena = Buffer.alloc(8);
    const io = IoThread.start(arena) as IoThread;
    try {
      expect(() => [...readLineChunksAhead(dir, io, arena, 0)]).toThrow(/EISDIR: illegal operation on a directory, read/);
    } finally {
      io.stop();
    }
  });
});

describe('readLines', () => {
  it('refuses a line that is not UTF-8, naming it, instead of reading replacement characters', () => {
    const path = file(Buffer.concat([Buffer.from('fine\ncafé\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), Buffer.from('after\n')]));
    expect(() => [...readLines(path)]).toThrow(`${path}, line 3: the line is not valid UTF-8`);
  });

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
