// Reading the answers contract (DESIGN.md): one JSON line per (question, variation).
// Lines are scanned as bytes (answer-scanner.ts) and handed on as byte ranges; a line the scanner does not fully
// understand is parsed by JSON.parse and validated here, which also words every error.
import type { AnswerRecord } from '../core/types.js';
import { ABSENT, ANSWER, AnswerFields, CHOICES, GOLD, ID, NULL, OUTPUT, PROMPT, STRING, scanAnswerLine } from './answer-scanner.js';
import { canonicalBytes, decodeJsonString, isCanonical } from './json-bytes.js';
import { readLineChunks, readLines, type LineChunk } from './lines.js';
import { fieldFailure, parseObjectLine } from './jsonl.js';

export { ANSWER, CHOICES, GOLD, ID, OUTPUT, PROMPT } from './answer-scanner.js';

/** An answer row as read from a file: `answer` may be absent when a task parser is to derive it. */
export type AnswerLine = Omit<AnswerRecord, 'answer'> & { answer?: string | null };

/** Parse and validate one line of an answers file; errors name the file, line and field. */
export function parseAnswerLine(text: string, file: string, line: number): AnswerLine {
  const o = parseObjectLine(text, file, line);
  const fail = fieldFailure(o, file, line);
  if (typeof o.id !== 'string' || o.id === '') fail('id', 'a non-empty string');
  if (typeof o.variant !== 'number' || !Number.isInteger(o.variant) || o.variant < 0) fail('variant', 'a non-negative integer');
  if (typeof o.prompt !== 'string') fail('prompt', 'a string');
  if (typeof o.output !== 'string') fail('output', 'a string');
  if (o.answer !== undefined && o.answer !== null && typeof o.answer !== 'string') fail('answer', 'a string or null');
  if (o.gold !== undefined && o.gold !== null && typeof o.gold !== 'string') fail('gold', 'a string or null');
  if (o.choices !== undefined && !(Array.isArray(o.choices) && o.choices.every((c) => typeof c === 'string'))) fail('choices', 'an array of strings');
  return o as unknown as AnswerLine;
}

/** Stream the validated lines of an answers file as objects (blank lines are skipped). */
export function* readAnswerLines(file: string): Generator<{ line: number; row: AnswerLine; bytesRead: number }> {
  for (const { line, text, bytesRead } of readLines(file)) {
    if (text.trim() === '') continue;
    yield { line, row: parseAnswerLine(text, file, line), bytesRead };
  }
}

const EMPTY = new Uint8Array(0);

/** A string field's value as the bytes JSON.stringify writes for it (without quotes): `buffer[start, end)`. */
export class Bytes {
  buffer: Uint8Array = EMPTY;
  start = 0;
  end = 0;
}
/** What a string-or-null field held: see {@link AnswerRow.bytes}. */
export const FIELD_ABSENT = ABSENT;
export const FIELD_NULL = NULL;
export const FIELD_STRING = STRING;

const KEYS = ['id', 'variant', 'prompt', 'output', 'answer', 'gold', 'choices'] as const;

/**
 * The current line of an {@link AnswerReader}: either byte ranges found by the scanner, or the object JSON.parse made
 * of a line the scanner left alone. Valid until the reader moves on.
 */
export class AnswerRow {
  /** 1-based line number. */
  line = 0;
  variant = 0;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly fields = new AnswerFields();
  private parsed: AnswerLine | undefined;

  constructor(readonly file: string) {}

  /**
   * Scan the line that starts at `buffer[start]`, reading no further than `limit` (see scanAnswerLine): the index where
   * the scanner stopped, or -1 when it declined the line. The line is loaded only if it ends there.
   */
  scan(buffer: Buffer, start: number, limit: number, line: number): number {
    this.line = line;
    this.buffer = buffer;
    this.parsed = undefined;
    const stop = scanAnswerLine(buffer, start, limit, this.fields);
    this.variant = this.fields.variant;
    return stop;
  }

  /** Load line `buffer[start, end)`; false for a blank line. Throws a W2sError for a line that breaks the contract. */
  load(buffer: Buffer, start: number, end: number, line: number): boolean {
    if (this.scan(buffer, start, end, line) === end) return true;
    const text = buffer.toString('utf8', start, end);
    if (text.trim() === '') return false;
    this.parsed = parseAnswerLine(text, this.file, line);
    this.variant = this.parsed.variant;
    return true;
  }

  /**
   * Points `out` at the canonical bytes of a string field (id, prompt, output, answer, gold) and says what the field
   * held: FIELD_STRING, FIELD_NULL or FIELD_ABSENT.
   */
  bytes(field: number, out: Bytes): number {
    const parsed = this.parsed;
    if (parsed !== undefined) {
      const value = parsed[KEYS[field] as keyof AnswerLine] as string | null | undefined;
      if (value === undefined) return ABSENT;
      if (value === null) return NULL;
      setBytes(out, canonicalBytes(value));
      return STRING;
    }
    const f = this.fields;
    const kind = f.kind[field] as number;
    if (kind !== STRING) return kind;
    const start = f.start[field] as number;
    const end = f.end[field] as number;
    const flags = f.flags[field] as number;
    if (isCanonical(this.buffer, start, end, flags)) {
      out.buffer = this.buffer;
      out.start = start;
      out.end = end;
    } else setBytes(out, canonicalBytes(decodeJsonString(this.buffer, start, end, flags)));
    return STRING;
  }

  /** Whether the scanner read the line (false: JSON.parse did). */
  get scanned(): boolean {
    return this.parsed === undefined;
  }

  /** The whole row as an object (for task parsers and renderers, and for error messages). */
  record(): AnswerLine {
    if (this.parsed !== undefined) return this.parsed;
    const f = this.fields;
    const text = (field: number): string => decodeJsonString(this.buffer, f.start[field] as number, f.end[field] as number, f.flags[field] as number);
    const row: AnswerLine = { id: text(ID), variant: this.variant, prompt: text(PROMPT), output: text(OUTPUT) };
    for (const field of [ANSWER, GOLD]) {
      const kind = f.kind[field];
      if (kind !== ABSENT) row[KEYS[field] as 'answer' | 'gold'] = kind === NULL ? null : text(field);
    }
    if (f.kind[CHOICES] !== ABSENT) row.choices = JSON.parse(this.buffer.toString('utf8', f.start[CHOICES], f.end[CHOICES])) as string[];
    return row;
  }
}

function setBytes(out: Bytes, bytes: Buffer): void {
  out.buffer = bytes;
  out.start = 0;
  out.end = bytes.length;
}

/** Reads the non-blank lines of an answers file one by one into {@link row}; `buffer` is where the bytes land. */
export class AnswerReader {
  readonly row: AnswerRow;
  private readonly chunks: Generator<LineChunk>;
  private chunk: LineChunk | undefined;
  private position = 0;
  private line = 0;

  constructor(file: string, buffer?: Buffer) {
    this.row = new AnswerRow(file);
    this.chunks = readLineChunks(file, buffer);
  }

  /** Moves to the next non-blank line; false at the end. */
  next(): boolean {
    while (true) {
      const chunk = this.chunk;
      if (chunk === undefined || this.position >= chunk.end) {
        const next = this.chunks.next();
        if (next.done) return false;
        this.chunk = next.value;
        this.position = 0;
        continue;
      }
      const { buffer, end } = chunk;
      const start = this.position;
      const line = ++this.line;
      // The scanner cannot read past the line's end (see scanAnswerLine), so it may be given the chunk's: a line it
      // reads ends where it stopped, and its line feed need not be searched for.
      const scanned = this.row.scan(buffer, start, end, line);
      if (scanned >= 0 && (scanned === end || buffer[scanned] === 10)) {
        this.position = scanned + 1;
        return true;
      }
      const newline = buffer.indexOf(10, start);
      const stop = newline < 0 || newline >= end ? end : newline;
      const textEnd = stop > start && stop < end && buffer[stop - 1] === 13 ? stop - 1 : stop;
      this.position = stop + 1;
      if (this.row.load(buffer, start, textEnd, line)) return true;
    }
  }

  /** File offset just past the current line. */
  get bytesRead(): number {
    const chunk = this.chunk;
    return chunk === undefined ? 0 : chunk.offset + Math.min(this.position, chunk.end);
  }

  /** Stops reading early (closes the file). */
  close(): void {
    this.chunks.return(undefined);
  }
}
