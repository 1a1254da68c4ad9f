import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK_BYTES = 4 << 20;

/**
 * Whole lines of a file, many at a time: `buffer[0, end)` holds complete lines, each ending in "\n", except in the last
 * chunk, whose final line may lack one. `offset` is the file offset of `buffer[0]`.
 */
export interface LineChunk {
  buffer: Buffer;
  end: number;
  offset: number;
}

/**
 * Reads `file` as chunks of whole lines through one reusable buffer, so that memory stays flat however big the file
 * is; a line longer than the buffer grows it. `buffer` lets the caller choose where the bytes land. Each chunk is valid
 * until the next one is asked for.
 */
export function* readLineChunks(file: string, buffer: Buffer = Buffer.allocUnsafe(CHUNK_BYTES)): Generator<LineChunk> {
  const fd = openSync(file, 'r');
  try {
    let filled = 0;
    let offset = 0; // file offset of buffer[0]
    while (true) {
      if (filled === buffer.length) {
        // A single line longer than the buffer: grow it rather than split the line.
        const bigger = Buffer.allocUnsafe(Math.max(buffer.length * 2, CHUNK_BYTES));
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, filled, buffer.length - filled, offset + filled);
      filled += read;
      if (read === 0) {
        if (filled > 0) yield { buffer, end: filled, offset };
        return;
      }
      const lastNewline = buffer.lastIndexOf(10, filled - 1);
      if (lastNewline < 0) continue;
      yield { buffer, end: lastNewline + 1, offset };
      buffer.copyWithin(0, lastNewline + 1, filled);
      filled -= lastNewline + 1;
      offset += lastNewline + 1;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of a UTF-8 text file with their 1-based numbers. Handles "\n" and "\r\n"; a final line without a newline
 * is still a line; empty lines are yielded too (callers decide whether they are allowed). `bytesRead` is the file
 * offset just past the line, for progress bars.
 */
export function* readLines(file: string): Generator<{ line: number; text: string; bytesRead: number }> {
  let lineNumber = 0;
  for (const { buffer, end, offset } of readLineChunks(file)) {
    let start = 0;
    while (start < end) {
      const newline = buffer.indexOf(10, start);
      const stop = newline < 0 || newline >= end ? end : newline;
      const textEnd = stop > start && stop < end && buffer[stop - 1] === 13 ? stop - 1 : stop;
      yield { line: ++lineNumber, text: buffer.toString('utf8', start, textEnd), bytesRead: offset + Math.min(stop + 1, end) };
      start = stop + 1;
    }
  }
}
