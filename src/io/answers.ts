// Reading the answers contract (docs/contracts.md): one JSON line per (question, variation).
// Lines are scanned as bytes (answer-scanner.ts) and handed on as byte ranges; a line the scanner does not fully
// understand is parsed by JSON.parse and validated here, which also words every error.
import type { AnswerRecord } from '../core/types.js';
import { badInput } from '../errors.js';
import {
  ABSENT, ANSWER, AnswerFields, CHOICES, GOLD, ID, NULL, OUTPUT, PROMPT, RECORD_END, RECORD_FLAGS, RECORD_KIND, RECORD_NEXT,
  RECORD_START, RECORD_STRIDE, RECORD_VARIANT, STRING, scanAnswerLine,
} from './answer-scanner.js';
import { canonicalBytes, decodeJsonString, isCanonical } from './json-bytes.js';
import type { IoThread } from './io-thread.js';
import { checkUtf8, readLineChunks, readLineChunksAhead, readLines, type LineChunk } from './lines.js';
import { nativeAnswerScan, type AnswerLineBatchScan } from './native-answer-scan.js';
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

/**
 * Every line of an answers file that a stage wrote and reads back whole (`w2s run`'s weak labels): validated like any
 * answers file, with `answer` required (it was parsed when the file was written).
 */
export function readAnswerRecords(file: string): AnswerRecord[] {
  const records: AnswerRecord[] = [];
  for (const { line, row } of readAnswerLines(file)) {
    if (row.answer === undefined) throw badInput('no "answer" field', { file, line, field: 'answer' });
    records.push(row as AnswerRecord);
  }
  return records;
}

/** Answer records as the lines of an answers file (one JSON object per line, each line ending in a newline). */
export function answersText(records: readonly AnswerRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
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
  /** The record of the line: `fields.record` (scanned here) or one of the native scanner's, from `base`. */
  private values: Int32Array = this.fields.record;
  private base = 0;
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
    this.values = this.fields.record;
    this.base = 0;
    const stop = scanAnswerLine(buffer, start, limit, this.fields);
    this.variant = this.fields.variant;
    return stop;
  }

  /** Takes the line the native scanner read into `records[base, base + RECORD_STRIDE)`. */
  loadScanned(buffer: Buffer, records: Int32Array, base: number, line: number): void {
    this.line = line;
    this.buffer = buffer;
    this.parsed = undefined;
    this.values = records;
    this.base = base;
    this.variant = records[base + RECORD_VARIANT] as number;
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
    const values = this.values;
    const at = this.base + field;
    const kind = values[at + RECORD_KIND] as number;
    if (kind !== STRING) return kind;
    const start = values[at + RECORD_START] as number;
    const end = values[at + RECORD_END] as number;
    const flags = values[at + RECORD_FLAGS] as number;
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
    const { values, base } = this;
    const value = (part: number, field: number): number => values[base + part + field] as number;
    const text = (field: number): string => decodeJsonString(this.buffer, value(RECORD_START, field), value(RECORD_END, field), value(RECORD_FLAGS, field));
    const row: AnswerLine = { id: text(ID), variant: this.variant, prompt: text(PROMPT), output: text(OUTPUT) };
    for (const field of [ANSWER, GOLD]) {
      const kind = value(RECORD_KIND, field);
      if (kind !== ABSENT) row[KEYS[field] as 'answer' | 'gold'] = kind === NULL ? null : text(field);
    }
    if (value(RECORD_KIND, CHOICES) !== ABSENT) row.choices = JSON.parse(this.buffer.toString('utf8', value(RECORD_START, CHOICES), value(RECORD_END, CHOICES))) as string[];
    return row;
  }
}

function setBytes(out: Bytes, bytes: Buffer): void {
  out.buffer = bytes;
  out.start = 0;
  out.end = bytes.length;
}

/** Lines per call of the native scanner. */
const BATCH_LINES = 1024;
/** After the native scanner declines a line, at most this many lines are read in TypeScript before it is asked again. */
const MAX_TS_RUN = 1024;

export interface AnswerReaderOptions {
  /** Where the bytes land. */
  buffer?: Buffer;
  /** Read ahead on this I/O thread, into `buffer`, which lies at `base` in the thread's arena (readLineChunksAhead). */
  readAhead?: { io: IoThread; base: number } | null;
  /** The native batch scanner (default: the addon's when built; null: TypeScript only). */
  batchScan?: AnswerLineBatchScan | null;
  /** Called before the reader moves to the next chunk of the file, which may overwrite the bytes of the one before. */
  beforeNextChunk?: () => void;
}

/**
 * Reads the non-blank lines of an answers file one by one into {@link row}. Lines are scanned in batches by the native
 * scanner when there is one (`batchScan`), else one by one in TypeScript; lines the native scanner declines take the
 * TypeScript path, and after a decline the next few lines too (twice as many after each decline in a row), so that a
 * file written in a form it does not read costs few wasted calls.
 */
export class AnswerReader {
  readonly row: AnswerRow;
  private readonly chunks: Generator<LineChunk>;
  private chunk: LineChunk | undefined;
  private position = 0;
  private line = 0;
  private readonly records: Int32Array;
  private batchIndex = 0;
  private batchCount = 0;
  /** Lines to read in TypeScript before the next native call, and how many calls in a row were declined. */
  private tsRun = 0;
  private declines = 0;
  private readonly batchScan: AnswerLineBatchScan | null;
  private readonly beforeNextChunk: (() => void) | undefined;

  constructor(file: string, options: AnswerReaderOptions = {}) {
    this.beforeNextChunk = options.beforeNextChunk;
    this.row = new AnswerRow(file);
    const { buffer, readAhead } = options;
    this.chunks = readAhead && buffer ? readLineChunksAhead(file, readAhead.io, buffer, readAhead.base) : readLineChunks(file, buffer);
    this.batchScan = options.batchScan === undefined ? nativeAnswerScan() : options.batchScan;
    this.records = new Int32Array(this.batchScan === null ? 0 : BATCH_LINES * RECORD_STRIDE);
  }

  /** Moves to the next non-blank line; false at the end. */
  next(): boolean {
    while (true) {
      const chunk = this.chunk;
      if (chunk === undefined || this.position >= chunk.end) {
        this.beforeNextChunk?.();
        const next = this.chunks.next();
        if (next.done) return false;
        checkUtf8(next.value, this.row.file, this.line);
        this.chunk = next.value;
        this.position = next.value.start;
        continue;
      }
      const { buffer, end } = chunk;
      if (this.batchIndex < this.batchCount) {
        const base = this.batchIndex++ * RECORD_STRIDE;
        this.row.loadScanned(buffer, this.records, base, ++this.line);
        this.position = this.records[base + RECORD_NEXT] as number;
        return true;
      }
      if (this.batchScan !== null) {
        if (this.tsRun === 0) {
          const count = this.batchScan(buffer, this.position, end, this.records);
          if (count > 0) {
            this.batchIndex = 0;
            this.batchCount = count;
            this.declines = 0;
            continue;
          }
          this.tsRun = Math.min(MAX_TS_RUN, 2 ** this.declines++);
        }
        this.tsRun--;
      }
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
    return chunk === undefined ? 0 : chunk.offset + Math.min(this.position, chunk.end) - chunk.start;
  }

  /** Stops reading early (closes the file). */
  close(): void {
    this.chunks.return(undefined);
  }
}
