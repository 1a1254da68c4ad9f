import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { badInput } from '../errors.js';
import type { IoThread } from './io-thread.js';

/** The bytes read at a time, unless a line is longer. */
export const READ_CHUNK_BYTES = 4 << 20;

/**
 * Whole lines of a file, many at a time: `buffer[start, end)` holds complete lines, each ending in "\n", except in the
 * last chunk, whose final line may lack one. `offset` is the file offset of `buffer[start]`.
 */
export interface LineChunk {
  buffer: Buffer;
  start: number;
  end: number;
  offset: number;
}

/**
 * Reads `file` as chunks of whole lines through one reusable buffer, so that memory stays flat however big the file
 * is; a line longer than the buffer grows it. `buffer` lets the caller choose where the bytes land. Each chunk is valid
 * until the next one is asked for.
 */
export function* readLineChunks(file: string, buffer: Buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES), from = 0): Generator<LineChunk> {
  const fd = openSync(file, 'r');
  try {
    let filled = 0;
    let offset = from; // file offset of buffer[0]
    while (true) {
      if (filled === buffer.length) {
        // A single line longer than the buffer: grow it rather than split the line.
        const bigger = Buffer.allocUnsafe(Math.max(buffer.length * 2, READ_CHUNK_BYTES));
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, filled, buffer.length - filled, offset + filled);
      filled += read;
      if (read === 0) {
        if (filled > 0) yield { buffer, start: 0, end: filled, offset };
        return;
      }
      const lastNewline = buffer.lastIndexOf(10, filled - 1);
      if (lastNewline < 0) continue;
      yield { buffer, start: 0, end: lastNewline + 1, offset };
      buffer.copyWithin(0, lastNewline + 1, filled);
      filled -= lastNewline + 1;
      offset += lastNewline + 1;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * readLineChunks with the reading done ahead on an I/O thread: `buffer` (at `base` in the thread's arena) is used as
 * two halves, the next chunk read into one while the caller works on the other, which holds the current chunk. Lines
 * longer than half the buffer are handed on to readLineChunks (its growing buffer, read in place).
 */
export function* readLineChunksAhead(file: string, io: IoThread, buffer: Buffer, base: number): Generator<LineChunk> {
  const half = buffer.length >> 1;
  const fd = openSync(file, 'r');
  let ticket = 0;
  try {
    let current = 0; // where the current half starts in buffer
    let filled = 0; // bytes in it: the tail carried over from the chunk before, then what was read
    let offset = 0; // file offset of buffer[current]
    ticket = io.read(fd, base, base + half, 0);
    while (true) {
      const read = io.waitFor(ticket);
      ticket = 0;
      filled += read;
      const lastNewline = filled === 0 ? -1 : buffer.lastIndexOf(10, current + filled - 1);
      if (read === 0 || lastNewline < current) {
        if (read === 0) {
          if (filled > 0) yield { buffer, start: current, end: current + filled, offset };
          return;
        }
        if (filled < half) {
          // A read stops short only at the end of the file: the next one says 0 there (or more, if the file grew).
          ticket = io.read(fd, base + current + filled, base + current + half, offset + filled);
          continue;
        }
        yield* readLineChunks(file, Buffer.allocUnsafe(2 * half), offset);
        return;
      }
      const next = current === 0 ? half : 0;
      const tail = current + filled - (lastNewline + 1);
      buffer.copy(buffer, next, lastNewline + 1, current + filled);
      const nextOffset = offset + lastNewline + 1 - current;
      ticket = io.read(fd, base + next + tail, base + next + half, nextOffset + tail);
      yield { buffer, start: current, end: lastNewline + 1, offset };
      current = next;
      filled = tail;
      offset = nextOffset;
    }
  } finally {
    // The thread may still be reading into the buffer: it must be done before the file is closed.
    io.settle(ticket);
    closeSync(fd);
  }
}

/**
 * Refuses a chunk that is not well-formed UTF-8, naming the first line that is not (`linesBefore`: the lines of the file
 * before the chunk). Text is never read with replacement characters: two ids that differ only in invalid bytes would
 * become one.
 */
export function checkUtf8(chunk: LineChunk, file: string, linesBefore: number): void {
  const { buffer, start, end } = chunk;
  if (isUtf8(buffer.subarray(start, end))) return;
  let line = linesBefore;
  for (let at = start; at < end; ) {
    const newline = buffer.indexOf(10, at);
    const stop = newline < 0 || newline >= end ? end : newline;
    line++;
    if (!isUtf8(buffer.subarray(at, stop))) {
      throw badInput('the line is not valid UTF-8 text (w2s reads every text file as UTF-8; convert the file, e.g. with iconv)', { file, line });
    }
    at = stop + 1;
  }
}

/**
 * The lines of a UTF-8 text file with their 1-based numbers (a line that is not UTF-8 is bad input). Handles "\n" and "\r\n"; a final line without a newline
 * is still a line; empty lines are yielded too (callers decide whether they are allowed). `bytesRead` is the file
 * offset just past the line, for progress bars.
 */
export function* readLines(file: string): Generator<{ line: number; text: string; bytesRead: number }> {
  let lineNumber = 0;
  for (const chunk of readLineChunks(file)) {
    checkUtf8(chunk, file, lineNumber);
    const { buffer, end, offset } = chunk;
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
