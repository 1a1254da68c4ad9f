// Pass 1 of `w2s score`: a few numbers per question, in flat typed arrays (a few dozen bytes a question): its
// distinct answers and their counts (Eq. 2), the variants seen, the original prompt's answer and the gold answer.
import { badInput, W2sError } from '../errors.js';
import { ANSWER, Bytes, FIELD_NULL, FIELD_STRING, GOLD, ID, type AnswerLine, type AnswerRow } from '../io/answers.js';
import { ByteTable } from '../io/byte-table.js';
import { canonicalBytes } from '../io/json-bytes.js';

/**
 * Answers and gold answers as small integers: ABSENT_CODE (no such field), NULL_CODE (null: an unparseable answer),
 * or 1 + the answer's number in {@link AnswerCodes}.
 */
export const ABSENT_CODE = -1;
export const NULL_CODE = 0;

/** Distinct answer strings (answers and gold answers), interned by their canonical JSON bytes. */
export class AnswerCodes {
  readonly table = new ByteTable();
  private readonly texts: string[] = [];

  /** Recently seen entries by a few of their bytes: files repeat a handful of answers, which then skip the hashing. */
  private readonly recent = new Int32Array(256).fill(-1);

  /** The code of a string given as canonical bytes. */
  codeOf(bytes: Bytes): number {
    const { buffer, start, end } = bytes;
    const slot = end === start ? 0 : ((end - start) * 7 + (buffer[start] as number) * 3 + (buffer[end - 1] as number)) & 255;
    const recent = this.recent[slot] as number;
    if (recent >= 0 && this.table.equals(recent, buffer, start, end)) return recent + 1;
    const entry = this.table.intern(buffer, start, end);
    this.recent[slot] = entry;
    return entry + 1;
  }

  /** The code of a string. */
  codeOfText(text: string): number {
    const bytes = canonicalBytes(text);
    return 1 + this.table.intern(bytes, 0, bytes.length);
  }

  /** The string of a code >= 1. */
  text(code: number): string {
    let text = this.texts[code - 1];
    if (text === undefined) {
      text = JSON.parse(`"${this.table.utf8(code - 1)}"`) as string;
      this.texts[code - 1] = text;
    }
    return text;
  }

  /** The value of a code: undefined, null or the string. */
  value(code: number): string | null | undefined {
    return code === ABSENT_CODE ? undefined : code === NULL_CODE ? null : this.text(code);
  }

  get size(): number {
    return this.table.size;
  }
}

/** Derives an answer from a row that has none (a task's parser). */
export type ParseAnswer = (row: AnswerLine) => string | null;

/** Turns rows into numbers: their question (by id) and the codes of their answer and gold answer. */
export class RowKeys {
  private readonly idBytes = new Bytes();
  private readonly valueBytes = new Bytes();
  private lastQuestion = -1;
  /** The hash of the id findQuestion last hashed (and did not find: addQuestion's). */
  private lastHash = 0;

  constructor(
    readonly file: string,
    private readonly parseAnswer: ParseAnswer | undefined,
  ) {}

  readonly ids = new ByteTable();
  readonly answers = new AnswerCodes();

  /** The answer code of a row: its `answer`, or what the parser makes of it. */
  answerCode(row: AnswerRow): number {
    const kind = row.bytes(ANSWER, this.valueBytes);
    if (kind === FIELD_STRING) return this.answers.codeOf(this.valueBytes);
    if (kind === FIELD_NULL) return NULL_CODE;
    if (this.parseAnswer === undefined) throw badInput('missing (pass --task NAME to derive answers from "output")', { file: this.file, line: row.line, field: 'answer' });
    let parsed: string | null;
    try {
      parsed = this.parseAnswer(row.record());
    } catch (error) {
      // A task's parser knows the field; the file and line are known here.
      if (error instanceof W2sError) throw error.at({ file: this.file, line: row.line });
      throw error;
    }
    return parsed === null ? NULL_CODE : this.answers.codeOfText(parsed);
  }

  goldCode(row: AnswerRow): number {
    const kind = row.bytes(GOLD, this.valueBytes);
    return kind === FIELD_STRING ? this.answers.codeOf(this.valueBytes) : kind === FIELD_NULL ? NULL_CODE : ABSENT_CODE;
  }

  /** The question number of a row's id, or -1 when the id has not been seen. */
  findQuestion(row: AnswerRow): number {
    const id = this.idBytes;
    row.bytes(ID, id);
    const last = this.lastQuestion;
    // Answers files usually list a question's variants together, and questions in the order they were numbered (on
    // the second read): try the previous question and the one after it before hashing.
    if (last >= 0 && this.ids.equals(last, id.buffer, id.start, id.end)) return last;
    if (last + 1 < this.ids.size && this.ids.equals(last + 1, id.buffer, id.start, id.end)) return (this.lastQuestion = last + 1);
    const hash = ByteTable.hash(id.buffer, id.start, id.end);
    const q = this.ids.find(id.buffer, id.start, id.end, hash);
    if (q >= 0) this.lastQuestion = q;
    else this.lastHash = hash;
    return q;
  }

  /** Numbers the id that findQuestion just failed to find. */
  addQuestion(): number {
    const id = this.idBytes;
    this.lastQuestion = this.ids.add(id.buffer, id.start, id.end, this.lastHash);
    return this.lastQuestion;
  }
}

/** Per-question tallies of pass 1; questions are numbered 0, 1, ... in order of first appearance. */
export class QuestionTallies {
  readonly keys: RowKeys;
  /** Bit v set when variant v (< 31) was seen; larger variants are in `moreVariants`. */
  variantBits: Int32Array = new Int32Array(1024);
  variant0: Int32Array = new Int32Array(1024);
  gold: Int32Array = new Int32Array(1024);
  /** First class node of each question (-1: none); nodes hold an answer code, its count and the next node. */
  head: Int32Array = new Int32Array(1024);
  nodeAnswer: Int32Array = new Int32Array(4096);
  nodeCount: Int32Array = new Int32Array(4096);
  nodeNext: Int32Array = new Int32Array(4096);
  nodes = 0;
  rows = 0;
  readonly moreVariants = new Map<number, Set<number>>();

  constructor(file: string, parseAnswer: ParseAnswer | undefined) {
    this.keys = new RowKeys(file, parseAnswer);
  }

  get questions(): number {
    return this.keys.ids.size;
  }

  /** Tally one row (pass 1). Bad input (two gold answers, a duplicate (id, variant)) throws with file, line and field. */
  add(row: AnswerRow): void {
    const keys = this.keys;
    const answer = keys.answerCode(row);
    const gold = keys.goldCode(row);
    let q = keys.findQuestion(row);
    if (q < 0) {
      q = this.newQuestion(keys.addQuestion(), gold);
    } else if (gold !== ABSENT_CODE && this.gold[q] !== ABSENT_CODE && gold !== this.gold[q]) {
      const [before, now] = [this.gold[q] as number, gold].map((code) => JSON.stringify(keys.answers.value(code)));
      throw badInput(`question "${row.record().id}" has two different gold answers (${before} and ${now})`, { file: keys.file, line: row.line, field: 'gold' });
    } else if (this.gold[q] === ABSENT_CODE) this.gold[q] = gold;
    if (this.seenVariant(q, row.variant)) {
      throw badInput(`duplicate (id, variant) = (${JSON.stringify(row.record().id)}, ${row.variant})`, { file: keys.file, line: row.line, field: 'variant' });
    }
    this.count(q, answer);
    if (row.variant === 0) this.variant0[q] = answer;
    this.rows++;
  }

  /** Drops what only pass 1 needs (the class lists, once the plan has sorted them, and the variants seen). */
  releaseClasses(): void {
    this.head = this.nodeAnswer = this.nodeCount = this.nodeNext = this.variantBits = new Int32Array(0);
    this.nodes = 0;
    this.moreVariants.clear();
  }

  private newQuestion(q: number, gold: number): number {
    if (q === this.head.length) {
      this.variantBits = grow(this.variantBits);
      this.variant0 = grow(this.variant0);
      this.gold = grow(this.gold);
      this.head = grow(this.head);
    }
    this.variantBits[q] = 0;
    this.variant0[q] = ABSENT_CODE;
    this.gold[q] = gold;
    this.head[q] = -1;
    return q;
  }

  /** Records the variant and says whether it had been seen before. */
  private seenVariant(q: number, variant: number): boolean {
    if (variant < 31) {
      const bit = 1 << variant;
      const bits = this.variantBits[q] as number;
      if (bits & bit) return true;
      this.variantBits[q] = bits | bit;
      return false;
    }
    let more = this.moreVariants.get(q);
    if (more === undefined) this.moreVariants.set(q, (more = new Set()));
    if (more.has(variant)) return true;
    more.add(variant);
    return false;
  }

  /** One more answer `answer` for question q. */
  private count(q: number, answer: number): void {
    for (let node = this.head[q] as number; node >= 0; node = this.nodeNext[node] as number) {
      if (this.nodeAnswer[node] === answer) {
        this.nodeCount[node] = (this.nodeCount[node] as number) + 1;
        return;
      }
    }
    const node = this.nodes++;
    if (node === this.nodeAnswer.length) {
      this.nodeAnswer = grow(this.nodeAnswer);
      this.nodeCount = grow(this.nodeCount);
      this.nodeNext = grow(this.nodeNext);
    }
    this.nodeAnswer[node] = answer;
    this.nodeCount[node] = 1;
    this.nodeNext[node] = this.head[q] as number;
    this.head[q] = node;
  }
}

function grow(array: Int32Array): Int32Array {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
