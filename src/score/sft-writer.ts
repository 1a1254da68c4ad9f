// Pass 2 of `w2s score`: reads the answers again and writes each method's SFT rows, {"id", "prompt", "completion",
// "weight"} (docs/contracts.md), byte for byte as JSON.stringify would, copying the raw JSON bytes of id, prompt and output
// when they are already in JSON.stringify's form. The decisions are rowDecision's (core/selection.ts).
import { completionSource, rowDecision, type RenderAnswer, type RowFacts, type SelectionMethod, type SelectionOptions } from '../core/selection.js';
import type { AnswerRecord } from '../core/types.js';
import { AnswerRow, Bytes, ID, OUTPUT, PROMPT, type AnswerReaderOptions } from '../io/answers.js';
import { Arena, ByteWriter, copyBytes, moveBytes } from '../io/byte-writer.js';
import { canonicalBytes } from '../io/json-bytes.js';
import { IoThread } from '../io/io-thread.js';
import { READ_CHUNK_BYTES } from '../io/lines.js';
import { RowAssembler } from '../io/row-assembler.js';
import { hasBit, type CountPattern, type ScorePlan } from './plan.js';
import { NULL_CODE, type RowKeys } from './tally.js';

/** Facts of a row as bits, to look decisions up in a table per method. */
const VARIANT0 = 1;
const TRAINABLE = 2;
const IN_FILTER_POOL = 4;
const DRAWN_FILTER = 8;
const DRAWN_REWEIGHT = 16;
const KEPT = 32;
const HAS_GOLD = 64;
const HAS_MAJORITY = 128;
const IN_RANDOM_SUBSET = 256;
const HAS_VARIANT0_ANSWER = 512;
const DRAWN_RANDOM = 1024;
const VARIANT0_CORRECT = 2048;
const FACT_COMBINATIONS = 4096;
const TAKE_ONE = 1;
const TAKE_RELIABILITY = 2;

/** A method's decision for a combination of facts: 0 (skip the row), TAKE_ONE or TAKE_RELIABILITY. */
function decide(method: SelectionMethod, mask: number): number {
  const facts: RowFacts = {
    variant0: (mask & VARIANT0) !== 0,
    trainable: (mask & TRAINABLE) !== 0,
    inFilterPool: (mask & IN_FILTER_POOL) !== 0,
    drawnFilter: (mask & DRAWN_FILTER) !== 0,
    drawnReweight: (mask & DRAWN_REWEIGHT) !== 0,
    kept: (mask & KEPT) !== 0,
    hasGold: (mask & HAS_GOLD) !== 0,
    hasMajority: (mask & HAS_MAJORITY) !== 0,
    inRandomSubset: (mask & IN_RANDOM_SUBSET) !== 0,
    hasVariant0Answer: (mask & HAS_VARIANT0_ANSWER) !== 0,
    drawnRandom: (mask & DRAWN_RANDOM) !== 0,
    variant0Correct: (mask & VARIANT0_CORRECT) !== 0,
  };
  const decision = rowDecision(method, facts);
  return decision === 'one' ? TAKE_ONE : decision === 'reliability' ? TAKE_RELIABILITY : 0;
}

type Source = ReturnType<typeof completionSource>;

interface MethodOutput {
  method: SelectionMethod;
  decisions: Uint8Array;
  source: Source;
  out: ByteWriter;
  rows: number;
}

const ID_OPEN = Buffer.from('{"id":"');
const PROMPT_OPEN = Buffer.from('","prompt":"');
const COMPLETION_OPEN = Buffer.from('","completion":"');
const weightPiece = (weight: number): Buffer => Buffer.from(`","weight":${weight}}\n`);
const BUFFER_BYTES = 1 << 20;
/** The most bytes of answer texts copied into the arena for the row assembler. */
const ANSWERS_IN_ARENA_MAX = 8 << 20;
/** The smallest read and output buffers: a small file gets buffers of about its size, not megabytes to fill. */
const MIN_BUFFER_BYTES = 64 << 10;

/** Writes the SFT rows of `methods` from the rows of an answers file, in row order; returns each method's row count. */
export class SftWriter {
  /** Where pass 2 reads the file into: inside the arena, so that copying from it is cheap. */
  private readonly readBuffer: Buffer;
  private readonly outputs: MethodOutput[];
  /**
   * The methods that take a row with given facts (a bit mask), in method order; filled for a mask when a row first has
   * it (a file meets a few dozen of the 4,096 combinations).
   */
  private readonly takers: (MethodOutput[] | undefined)[] = new Array(FACT_COMBINATIONS);
  /** The facts of each question (KEPT | HAS_GOLD | HAS_MAJORITY | IN_RANDOM_SUBSET | HAS_VARIANT0_ANSWER). */
  private readonly questionFacts: Uint16Array;
  /**
   * The end of each row, its weight and closing brace, as arena[start, end): weightAt[0] for weight 1, weightAt[1] for
   * 0, then S_prob of each class of each pattern (pattern p's classes from weightIndex[p]).
   */
  private readonly weightAt: Int32Array;
  private readonly weightIndex: Int32Array;
  private readonly readAt: number;
  /** The thread that reads the input ahead and writes the output buffers, when there is one. */
  private readonly io: IoThread | null;
  private filterPosition = 0;
  private reweightPosition = 0;
  private randomPosition = 0;
  /**
   * With the native addon: rows are queued here and copied in C (each row's pieces are then read from the arena: the
   * read buffer, the answers copied in at `answersAt`, the constants).
   */
  private readonly assembler: RowAssembler | null;
  /** Copies the queued rows (before an output buffer is written out or the read buffer refilled); null without the assembler. */
  private readonly drainRows: (() => void) | null;
  /** The answer texts as they were after pass 1, copied into the arena at answersAt (with the assembler). */
  private readonly answerStorage: Uint8Array;
  private readonly answerBytes: number;
  private readonly answersAt: number;
  private readonly id = new Bytes();
  private readonly prompt = new Bytes();
  private readonly output = new Bytes();
  private readonly completion = new Bytes();

  constructor(
    private readonly plan: ScorePlan,
    private readonly keys: RowKeys,
    methods: readonly SelectionMethod[],
    options: SelectionOptions,
    pathOf: (method: SelectionMethod) => string,
    private readonly render: RenderAnswer | undefined,
    ioThread: boolean,
    /** The input's size: buffers are no larger than it needs (a longer line or row still goes through, in pieces). */
    inputBytes: number = Number.POSITIVE_INFINITY,
  ) {
    const pieces = [weightPiece(1), weightPiece(0), ...plan.patterns.flatMap((p: CountPattern) => p.scores.map(weightPiece))];
    const threaded = ioThread && IoThread.available();
    const fitted = (most: number): number => Math.min(most, Math.max(MIN_BUFFER_BYTES, inputBytes + 1));
    // With an I/O thread, the read buffer is two chunks: one read ahead while the other is scanned.
    const readBytes = fitted(READ_CHUNK_BYTES) * (threaded ? 2 : 1);
    const bufferBytes = fitted(BUFFER_BYTES);
    const separators = [ID_OPEN, PROMPT_OPEN, COMPLETION_OPEN];
    const answers = keys.answers.table;
    this.answerStorage = answers.storage;
    const answerBytes = answers.size === 0 ? 0 : answers.endOf(answers.size - 1);
    // Files of a few distinct answers are the rule; a table of long free-form ones is not copied (its rows go piece by piece).
    this.answerBytes = answerBytes <= ANSWERS_IN_ARENA_MAX ? answerBytes : 0;
    const arena = new Arena(
      readBytes + Arena.sizeOf(pieces) + Arena.sizeOf(separators) + this.answerBytes + methods.length * ByteWriter.regions(threaded) * bufferBytes,
    );
    this.readAt = arena.reserve(readBytes);
    this.readBuffer = arena.bytes.subarray(this.readAt, this.readAt + readBytes);
    this.weightAt = arena.constants(pieces);
    const separatorAt = arena.constants(separators);
    this.answersAt = arena.constants([this.answerStorage.subarray(0, this.answerBytes)])[0] as number;
    this.assembler = RowAssembler.create(
      arena.bytes,
      Int32Array.from([0, 1, 2].flatMap((i) => [separatorAt[i] as number, separatorAt[i + 1] as number])),
    );
    const assembler = this.assembler;
    this.drainRows = assembler && (() => assembler.drain());
    this.weightIndex = new Int32Array(plan.patterns.length);
    let next = 2;
    plan.patterns.forEach((p, i) => {
      this.weightIndex[i] = next;
      next += p.scores.length;
    });
    this.io = threaded ? IoThread.start(arena.bytes) : null;
    this.outputs = [];
    try {
      for (const method of methods) {
        const out = new ByteWriter(pathOf(method), arena, bufferBytes, this.io, this.drainRows);
        this.outputs.push({ method, decisions: new Uint8Array(FACT_COMBINATIONS), source: completionSource(method, options.completion), out, rows: 0 });
      }
    } catch (error) {
      this.abandon();
      throw error;
    }
    this.questionFacts = new Uint16Array(plan.questions);
    for (let q = 0; q < plan.questions; q++) {
      let facts = 0;
      if (plan.kept[q] === 1) facts |= KEPT;
      if ((plan.gold[q] as number) > NULL_CODE) facts |= HAS_GOLD;
      if ((plan.majority[q] as number) > NULL_CODE) facts |= HAS_MAJORITY;
      if (plan.inRandomSubset[q] === 1) facts |= IN_RANDOM_SUBSET;
      if ((plan.variant0[q] as number) > NULL_CODE) facts |= HAS_VARIANT0_ANSWER;
      if ((plan.variant0[q] as number) > NULL_CODE && plan.variant0[q] === plan.gold[q]) facts |= VARIANT0_CORRECT;
      this.questionFacts[q] = facts;
    }
  }

  /** Writes the rows one answer row contributes; `q` is its question and `answer` its answer code. */
  add(row: AnswerRow, q: number, answer: number): void {
    const plan = this.plan;
    let mask = this.questionFacts[q] as number;
    if (row.variant === 0) mask |= VARIANT0;
    if (answer !== NULL_CODE) {
      mask |= TRAINABLE;
      if (hasBit(plan.reweightDrawn, this.reweightPosition++)) mask |= DRAWN_REWEIGHT;
      if (mask & IN_RANDOM_SUBSET && hasBit(plan.randomDrawn, this.randomPosition++)) mask |= DRAWN_RANDOM;
      if (mask & KEPT) {
        mask |= IN_FILTER_POOL;
        if (hasBit(plan.filterDrawn, this.filterPosition++)) mask |= DRAWN_FILTER;
      }
    }

    const takers = this.takers[mask] ?? this.takersOf(mask);
    if (this.assembler !== null) return this.queue(this.assembler, takers, row, q, answer, mask);
    // The first method to take the row writes it piece by piece; the others copy what they share of it.
    let previousAt = -1;
    let previousSource: Source = 'output';
    let previousWeight = -1;
    let completionLength = 0;
    let prefixLength = 0;
    for (const o of takers) {
      const decision = o.decisions[mask];
      if (prefixLength === 0) prefixLength = this.loadFields(row);
      const sameCompletion = previousAt >= 0 && o.source === previousSource;
      const completion = sameCompletion ? null : this.completionBytes(o.source, row, q, answer);
      if (completion !== null) completionLength = completion.end - completion.start;
      const weight = decision === TAKE_ONE ? 0 : this.weightOf(q, answer);
      const weightStart = this.weightAt[weight] as number;
      const weightEnd = this.weightAt[weight + 1] as number;
      const out = o.out;
      const length = prefixLength + completionLength + weightEnd - weightStart;
      const at = out.room(length);
      if (at < 0) {
        this.putPieces(out, completion ?? this.completionBytes(o.source, row, q, answer), weightStart, weightEnd);
        previousAt = -1;
      } else {
        const arena = out.arena;
        if (sameCompletion && weight === previousWeight) moveBytes(arena, at, previousAt, previousAt + length);
        else {
          let p: number;
          if (previousAt < 0) p = this.putPrefix(arena, at);
          else p = moveBytes(arena, at, previousAt, previousAt + prefixLength);
          if (completion === null) p = moveBytes(arena, p, previousAt + prefixLength, previousAt + prefixLength + completionLength);
          else p = this.copy(arena, p, completion);
          moveBytes(arena, p, weightStart, weightEnd);
        }
        out.wrote(length);
        previousAt = at;
        previousSource = o.source;
        previousWeight = weight;
      }
      o.rows++;
    }
  }

  /**
   * add() with the assembler: each taker's row is queued as byte ranges of the arena, or, when a piece lies elsewhere
   * (a rendered completion, a field that had to be re-encoded, a line longer than the read buffer), written at once.
   */
  private queue(assembler: RowAssembler, takers: readonly MethodOutput[], row: AnswerRow, q: number, answer: number, mask: number): void {
    if (takers.length === 0) return;
    const { id, prompt, readBuffer, readAt } = this;
    const prefixLength = this.loadFields(row);
    const prefixInArena = id.buffer === readBuffer && prompt.buffer === readBuffer;
    for (const o of takers) {
      const completion = this.completionBytes(o.source, row, q, answer);
      const weight = o.decisions[mask] === TAKE_ONE ? 0 : this.weightOf(q, answer);
      const weightStart = this.weightAt[weight] as number;
      const weightEnd = this.weightAt[weight + 1] as number;
      const out = o.out;
      const length = prefixLength + completion.end - completion.start + weightEnd - weightStart;
      const at = out.room(length);
      const completionAt = prefixInArena ? this.arenaOffset(completion) : -1;
      if (at < 0) this.putPieces(out, completion, weightStart, weightEnd);
      else if (completionAt >= 0) {
        const completionEnd = completionAt + completion.end - completion.start;
        assembler.push(at, readAt + id.start, readAt + id.end, readAt + prompt.start, readAt + prompt.end, completionAt, completionEnd, weightStart, weightEnd);
        out.wrote(length);
      } else {
        const arena = out.arena;
        const p = this.copy(arena, this.putPrefix(arena, at), completion);
        moveBytes(arena, p, weightStart, weightEnd);
        out.wrote(length);
      }
      o.rows++;
    }
  }

  /** Where a piece's bytes are in the arena: in the read buffer or among the answers copied in; -1 when elsewhere. */
  private arenaOffset(bytes: Bytes): number {
    if (bytes.buffer === this.readBuffer) return this.readAt + bytes.start;
    if (bytes.buffer === this.answerStorage && bytes.end <= this.answerBytes) return this.answersAt + bytes.start;
    return -1;
  }

  /** Decides every method for rows with facts `mask`, once. */
  private takersOf(mask: number): MethodOutput[] {
    for (const o of this.outputs) o.decisions[mask] = decide(o.method, mask);
    const takers = this.outputs.filter((o) => o.decisions[mask] !== 0);
    this.takers[mask] = takers;
    return takers;
  }

  /** How pass 2 should read the answers: into the read buffer, ahead on the I/O thread when there is one. */
  readerOptions(): AnswerReaderOptions {
    return { buffer: this.readBuffer, readAhead: this.io && { io: this.io, base: this.readAt }, beforeNextChunk: this.drainRows ?? undefined };
  }

  /** Points id, prompt and output at the row's fields; returns the length of a row's part up to its completion. */
  private loadFields(row: AnswerRow): number {
    const { id, prompt } = this;
    row.bytes(ID, id);
    row.bytes(PROMPT, prompt);
    row.bytes(OUTPUT, this.output);
    return ID_OPEN.length + id.end - id.start + PROMPT_OPEN.length + prompt.end - prompt.start + COMPLETION_OPEN.length;
  }

  /** Writes the row's part up to its completion (see loadFields) at `at`; returns where the completion goes. */
  private putPrefix(arena: Buffer, at: number): number {
    let p = copyBytes(arena, at, ID_OPEN, 0, ID_OPEN.length);
    p = this.copy(arena, p, this.id);
    p = copyBytes(arena, p, PROMPT_OPEN, 0, PROMPT_OPEN.length);
    p = this.copy(arena, p, this.prompt);
    return copyBytes(arena, p, COMPLETION_OPEN, 0, COMPLETION_OPEN.length);
  }

  /** Copies a field's bytes into the arena: within it when they are in the read buffer. */
  private copy(arena: Buffer, at: number, bytes: Bytes): number {
    if (bytes.buffer === this.readBuffer) return moveBytes(arena, at, this.readAt + bytes.start, this.readAt + bytes.end);
    return copyBytes(arena, at, bytes.buffer, bytes.start, bytes.end);
  }

  /** A row too long for the buffer, written piece by piece. */
  private putPieces(out: ByteWriter, completion: Bytes, weightStart: number, weightEnd: number): void {
    out.putAll(ID_OPEN);
    out.put(this.id.buffer, this.id.start, this.id.end);
    out.putAll(PROMPT_OPEN);
    out.put(this.prompt.buffer, this.prompt.start, this.prompt.end);
    out.putAll(COMPLETION_OPEN);
    out.put(completion.buffer, completion.start, completion.end);
    out.putConstant(weightStart, weightEnd);
  }

  /** Closes the files after a failure; the output is abandoned. */
  abandon(): void {
    this.assembler?.discard();
    for (const o of this.outputs) o.out.discard();
    this.io?.stop();
  }

  /** Each method's row count, in method order. */
  close(): Map<SelectionMethod, number> {
    try {
      for (const o of this.outputs) o.out.close();
    } catch (error) {
      this.abandon();
      throw error;
    }
    this.io?.stop();
    return new Map(this.outputs.map((o) => [o.method, o.rows]));
  }

  /** Which weight piece ends the row: S_prob of the row's answer (Eq. 4), or weight 0 for an answer the question lacks. */
  private weightOf(q: number, answer: number): number {
    const plan = this.plan;
    const first = plan.classStart[q] as number;
    const last = plan.classStart[q + 1] as number;
    for (let k = first; k < last; k++) if (plan.classAnswer[k] === answer) return (this.weightIndex[plan.pattern[q] as number] as number) + k - first;
    return 1;
  }

  private completionBytes(source: Source, row: AnswerRow, q: number, answer: number): Bytes {
    if (source === 'output') return this.output;
    const plan = this.plan;
    const code = source === 'answer' ? answer : source === 'gold' ? plan.gold[q] : source === 'majority' ? plan.majority[q] : plan.variant0[q];
    const table = this.keys.answers.table;
    const entry = (code as number) - 1;
    const bytes = this.completion;
    if (this.render === undefined) {
      bytes.buffer = table.storage;
      bytes.start = table.startOf(entry);
      bytes.end = table.endOf(entry);
    } else {
      const record = { ...row.record(), answer: answer === NULL_CODE ? null : this.keys.answers.text(answer) } as AnswerRecord;
      const rendered = canonicalBytes(this.render(this.keys.answers.text(code as number), record));
      bytes.buffer = rendered;
      bytes.start = 0;
      bytes.end = rendered.length;
    }
    return bytes;
  }
}
