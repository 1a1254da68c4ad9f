// Writes explore.html row by row, as `w2s score` reads its second pass (or from a run's answer records): the rows'
// texts go out in gzip-compressed blocks as they come, so memory holds a block and a few numbers per row, never the
// file's text. The table data (answer codes, ids, gold) follows at the end, then the page's script.
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { AnswerRecord } from '../../core/types.js';
import type { SelectionOptions } from '../../core/selection.js';
import { Bytes, OUTPUT, PROMPT, type AnswerRow } from '../../io/answers.js';
import { copyBytes } from '../../io/byte-writer.js';
import { writeFileAtomicallyWith } from '../../io/atomic.js';
import type { ByteTable } from '../../io/byte-table.js';
import { DATA_ELEMENT, EXPLORE_FORMAT, NO_ANSWER, NULL_ANSWER, originalBlockId, textBlockId, type ExploreData } from './format.js';
import { explorerScript, pageHead, pageTail, type ExplorerScript } from './page.js';

/**
 * The most rows a page holds. Above it `w2s score` writes no explore.html: a browser would need minutes and gigabytes
 * for one page, and score's throughput on files of millions of rows would pay for compressing every text.
 */
export const EXPLORE_MAX_ROWS = 1_000_000;

/** A block is closed once its JSON reaches this many bytes: a question's detail view decodes one or two. */
const TEXT_BLOCK_BYTES = 256 << 10;
const ORIGINAL_BLOCK_BYTES = 1 << 20;
/** zlib's fastest level: the texts repeat (a question's variations differ in option order), level 1 gets most of it. */
const GZIP_LEVEL = 1;

/** A JSON array of strings (or of string pairs) built from JSON-escaped bytes. */
class JsonBlock {
  private bytes = Buffer.allocUnsafe(64 << 10);
  used = 0;
  items = 0;

  private reserve(n: number): void {
    if (this.used + n <= this.bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + n));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }

  /** Appends one item: a string, or a pair of strings ([prompt, output]). */
  add(first: Bytes, second?: Bytes): void {
    this.reserve(first.end - first.start + (second === undefined ? 0 : second.end - second.start) + 8);
    const b = this.bytes;
    let at = this.used;
    b[at++] = this.items === 0 ? OPEN : COMMA;
    if (second !== undefined) b[at++] = OPEN;
    b[at++] = QUOTE;
    at = copyBytes(b, at, first.buffer, first.start, first.end);
    b[at++] = QUOTE;
    if (second !== undefined) {
      b[at++] = COMMA;
      b[at++] = QUOTE;
      at = copyBytes(b, at, second.buffer, second.start, second.end);
      b[at++] = QUOTE;
      b[at++] = CLOSE;
    }
    this.used = at;
    this.items++;
  }

  /** The block's JSON, gzip-compressed and base64-encoded; the block is empty again. */
  take(): string {
    this.reserve(2);
    if (this.items === 0) this.bytes[this.used++] = OPEN;
    this.bytes[this.used++] = CLOSE;
    const encoded = gzipSync(this.bytes.subarray(0, this.used), { level: GZIP_LEVEL }).toString('base64');
    this.used = 0;
    this.items = 0;
    return encoded;
  }
}

const OPEN = 0x5b;
const CLOSE = 0x5d;
const COMMA = 0x2c;
const QUOTE = 0x22;

/** A growable list of int32s. */
class IntList {
  values = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Int32Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  /** As a JSON array. */
  json(): string {
    return `[${this.values.subarray(0, this.length).join(',')}]`;
  }
}

/** What the page needs beyond the rows: names, settings, and the questions' ids, gold answers and answer texts. */
export interface ExploreMeta {
  title: string;
  source: string;
  options: SelectionOptions;
  /** Each question's id, in the numbering the rows used, JSON-escaped (JSON.stringify's, without quotes). */
  escapedIds: readonly string[];
  /** Each question's gold answer code (NO_ANSWER, NULL_ANSWER or an answer code), or null when none has one. */
  gold: ArrayLike<number> | null;
  /** The text of every answer code 1, 2, ... */
  answers: readonly string[];
}

/** Streams one explore.html into an open file. */
export class ExploreWriter {
  private readonly texts = new JsonBlock();
  private readonly originals = new JsonBlock();
  private readonly rowQuestion = new IntList();
  private readonly rowVariant = new IntList();
  private readonly rowAnswer = new IntList();
  private readonly textBlockStarts: number[] = [0];
  private originalBlocks = 0;
  private readonly prompt = new Bytes();
  private readonly output = new Bytes();

  constructor(
    private readonly fd: number,
    private readonly script: ExplorerScript,
    title: string,
  ) {
    this.write(pageHead(script, title));
  }

  /** One row of an answers file being read (`w2s score`'s second pass): `question` and `answer` are its codes. */
  addAnswerRow(row: AnswerRow, question: number, answer: number): void {
    row.bytes(PROMPT, this.prompt);
    row.bytes(OUTPUT, this.output);
    this.add(question, row.variant, answer, this.prompt, this.output);
  }

  /** One row given by its codes and its prompt and output as JSON-escaped bytes (JSON.stringify's, without quotes). */
  add(question: number, variant: number, answer: number, prompt: Bytes, output: Bytes): void {
    this.rowQuestion.push(question);
    this.rowVariant.push(variant);
    this.rowAnswer.push(answer);
    this.texts.add(prompt, output);
    if (this.texts.used >= TEXT_BLOCK_BYTES) this.closeTextBlock();
    if (variant === 0) {
      this.originals.add(prompt);
      if (this.originals.used >= ORIGINAL_BLOCK_BYTES) this.closeOriginalBlock();
    }
  }

  get rows(): number {
    return this.rowQuestion.length;
  }

  /** Writes the table data and the script; the file is then complete (the caller closes it). */
  finish(meta: ExploreMeta): void {
    if (this.texts.items > 0) this.closeTextBlock();
    if (this.originals.items > 0) this.closeOriginalBlock();
    const data: Omit<ExploreData, 'ids' | 'rowQuestion' | 'rowVariant' | 'rowAnswer'> = {
      format: EXPLORE_FORMAT,
      title: meta.title,
      source: meta.source,
      options: { temperature: meta.options.temperature, tauPercentile: meta.options.tauPercentile, seed: meta.options.seed, completion: meta.options.completion },
      answers: [...meta.answers],
      gold: meta.gold === null ? null : Array.from(meta.gold).slice(0, meta.escapedIds.length),
      textBlockStarts: this.textBlockStarts,
      originalBlocks: this.originalBlocks,
    };
    // The ids are already escaped, and the row lists are joined as typed arrays: nothing is decoded to be encoded again.
    const ids = meta.escapedIds.length === 0 ? '[]' : `["${meta.escapedIds.join('","')}"]`;
    const rows = `"rowQuestion":${this.rowQuestion.json()},"rowVariant":${this.rowVariant.json()},"rowAnswer":${this.rowAnswer.json()}`;
    const json = `${JSON.stringify(data).slice(0, -1)},"ids":${ids},${rows}}`;
    this.block(DATA_ELEMENT, gzipSync(json, { level: GZIP_LEVEL }).toString('base64'));
    this.write(pageTail(this.script));
  }

  private closeTextBlock(): void {
    this.block(textBlockId(this.textBlockStarts.length - 1), this.texts.take());
    this.textBlockStarts.push(this.rowQuestion.length);
  }

  private closeOriginalBlock(): void {
    this.block(originalBlockId(this.originalBlocks++), this.originals.take());
  }

  private block(id: string, base64: string): void {
    this.write(`<script type="application/octet-stream" id="${id}">${base64}</script>\n`);
  }

  private write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
  }
}

/** A string as JSON-escaped bytes. */
function escaped(text: string, out: Bytes): Bytes {
  const json = Buffer.from(JSON.stringify(text), 'utf8');
  out.buffer = json;
  out.start = 1;
  out.end = json.length - 1;
  return out;
}

/** `w2s score`'s explore.html: opened before its second pass in the output's staging folder, when the file is small enough. */
export class ScoreExplorePage {
  private readonly writer: ExploreWriter;
  private closed = false;

  private constructor(
    private readonly fd: number,
    private readonly title: string,
  ) {
    this.writer = new ExploreWriter(fd, explorerScript(), title);
  }

  /** The page for a file of `rows` rows, or null above EXPLORE_MAX_ROWS. */
  static open(path: string, rows: number, title: string): ScoreExplorePage | null {
    if (rows > EXPLORE_MAX_ROWS) return null;
    // The script is found first: no file is opened for a page that cannot be written.
    explorerScript();
    return new ScoreExplorePage(openSync(path, 'w'), title);
  }

  add(row: AnswerRow, question: number, answer: number): void {
    this.writer.addAnswerRow(row, question, answer);
  }

  /** Completes the page: the questions' ids (as `w2s score` numbered them), answer texts by code, gold codes. */
  finish(source: string, options: SelectionOptions, ids: ByteTable, answers: { size: number; text(code: number): string }, gold: ArrayLike<number> | null): void {
    this.closed = true;
    try {
      this.writer.finish({
        title: this.title,
        source,
        options,
        // The table holds ids as JSON-escaped bytes, as the page's JSON wants them.
        escapedIds: Array.from({ length: ids.size }, (_, q) => ids.utf8(q)),
        gold,
        answers: Array.from({ length: answers.size }, (_, i) => answers.text(i + 1)),
      });
    } finally {
      closeSync(this.fd);
    }
  }

  /** Closes the file after a failure (its staging folder is removed with it). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/**
 * explore.html for answer records held in memory (`w2s run`'s weak labels of one task and seed), written atomically:
 * questions numbered by first appearance and answers coded as `w2s score` does, so the page's seeded draws match.
 */
export function writeExplorePage(path: string, records: readonly AnswerRecord[], options: SelectionOptions, title: string, source: string): void {
  const questionOf = new Map<string, number>();
  const answerOf = new Map<string, number>();
  const answers: string[] = [];
  const gold: number[] = [];
  const code = (answer: string | null | undefined): number => {
    if (answer === undefined) return NO_ANSWER;
    if (answer === null) return NULL_ANSWER;
    let c = answerOf.get(answer);
    if (c === undefined) answerOf.set(answer, (c = answers.push(answer)));
    return c;
  };
  const script = explorerScript();
  writeFileAtomicallyWith(path, (fd) => {
    const writer = new ExploreWriter(fd, script, title);
    const prompt = new Bytes();
    const output = new Bytes();
    for (const record of records) {
      const answer = code(record.answer);
      let q = questionOf.get(record.id);
      if (q === undefined) {
        questionOf.set(record.id, (q = questionOf.size));
        gold.push(code(record.gold));
      } else if (gold[q] === NO_ANSWER && record.gold !== undefined) gold[q] = code(record.gold);
      writer.add(q, record.variant, answer, escaped(record.prompt, prompt), escaped(record.output, output));
    }
    writer.finish({ title, source, options, escapedIds: [...questionOf.keys()].map((id) => JSON.stringify(id).slice(1, -1)), gold: gold.some((g) => g > NULL_ANSWER) ? gold : null, answers });
  });
}
