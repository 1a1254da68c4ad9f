import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK_BYTES = 4 << 20;

/**
 * The lines of a UTF-8 text file with their 1-based numbers, read in large chunks so that memory stays flat however
 * big the file is. Handles "\n" and "\r\n"; a final line without a newline is still a line; empty lines are yielded
 * too (callers decide whether they are allowed).
 */
/** `bytesRead` is the file offset just past the line, for progress bars. */
export function* readLines(file: string): Generator<{ line: number; text: string; bytesRead: number }> {
  const fd = openSync(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let filled = 0;
    let lineNumber = 0;
    let eof = false;
    let consumed = 0; // file offset of buffer[0]
    while (!eof || filled > 0) {
      if (!eof) {
        if (filled === buffer.length) {
          // A single line longer than the buffer: grow it rather than split the line.
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, filled);
          buffer = bigger;
        }
        const read = readSync(fd, buffer, filled, buffer.length - filled, null);
        if (read === 0) eof = true;
        filled += read;
      }
      let start = 0;
      let newline: number;
      while ((newline = buffer.indexOf(10, start)) !== -1 && newline < filled) {
        const end = newline > start && buffer[newline - 1] === 13 ? newline - 1 : newline;
        yield { line: ++lineNumber, text: buffer.toString('utf8', start, end), bytesRead: consumed + newline + 1 };
        start = newline + 1;
      }
      if (eof) {
        if (start < filled) yield { line: ++lineNumber, text: buffer.toString('utf8', start, filled), bytesRead: consumed + filled };
        filled = 0;
      } else {
        buffer.copy(buffer, 0, start, filled);
        filled -= start;
        consumed += start;
      }
    }
  } finally {
    closeSync(fd);
  }
}
