// `reliability.jsonl`: one line per question, byte for byte what JSON.stringify gives for
// { id, n, distribution: [{ answer, count, p, reliability }], entropy, kept } (Eq. 2-4).
import { Arena, ByteWriter } from '../io/byte-writer.js';
import { IoThread } from '../io/io-thread.js';
import type { CountPattern, ScorePlan } from './plan.js';
import { NULL_CODE, type RowKeys } from './tally.js';

/** The constant parts of a line for one count pattern: head, one tail per class, tail. */
function patternPieces(p: CountPattern): Buffer[] {
  return [
    Buffer.from(`","n":${p.n},"distribution":[`),
    ...p.counts.map((count, k) => Buffer.from(`,"count":${count},"p":${count / p.n},"reliability":${p.scores[k]}}`)),
    Buffer.from(`],"entropy":${p.entropy},"kept":`),
  ];
}

const ID_OPEN = Buffer.from('{"id":"');
const ANSWER_OPEN = Buffer.from('{"answer":');
const NULL_TEXT = Buffer.from('null');
const COMMA = Buffer.from(',');
const QUOTE = Buffer.from('"');
const KEPT = [Buffer.from('false}\n'), Buffer.from('true}\n')];
const BUFFER_BYTES = 1 << 20;

/** Writes reliability.jsonl, questions in order of first appearance; with `ioThread`, written from a second thread. */
export function writeReliability(path: string, keys: RowKeys, plan: ScorePlan, ioThread: boolean): void {
  // The pattern texts sit beside the output buffer, where copying them is cheap.
  const pieces = plan.patterns.map(patternPieces);
  const threaded = ioThread && IoThread.available();
  const arena = new Arena(Arena.sizeOf(pieces.flat()) + ByteWriter.regions(threaded) * BUFFER_BYTES);
  const at = arena.constants(pieces.flat());
  const thread = threaded ? IoThread.start(arena.bytes) : null;
  try {
    const out = new ByteWriter(path, arena, BUFFER_BYTES, thread);
    try {
      writeLines(out, at, pieces, keys, plan);
      out.close();
    } finally {
      out.discard();
    }
  } finally {
    thread?.stop();
  }
}

function writeLines(out: ByteWriter, at: Int32Array, pieces: Buffer[][], keys: RowKeys, plan: ScorePlan): void {
  const firstPiece = new Int32Array(pieces.length);
  for (let i = 1; i < pieces.length; i++) firstPiece[i] = (firstPiece[i - 1] as number) + (pieces[i - 1] as Buffer[]).length;
  const ids = keys.ids;
  const answers = keys.answers.table;
  for (let q = 0; q < plan.questions; q++) {
    const piece = firstPiece[plan.pattern[q] as number] as number;
    out.putAll(ID_OPEN);
    out.put(ids.storage, ids.startOf(q), ids.endOf(q));
    out.putConstant(at[piece] as number, at[piece + 1] as number);
    const first = plan.classStart[q] as number;
    const last = plan.classStart[q + 1] as number;
    for (let k = first; k < last; k++) {
      if (k > first) out.putAll(COMMA);
      out.putAll(ANSWER_OPEN);
      const answer = plan.classAnswer[k] as number;
      if (answer === NULL_CODE) out.putAll(NULL_TEXT);
      else {
        out.putAll(QUOTE);
        out.put(answers.storage, answers.startOf(answer - 1), answers.endOf(answer - 1));
        out.putAll(QUOTE);
      }
      const tail = piece + 1 + k - first;
      out.putConstant(at[tail] as number, at[tail + 1] as number);
    }
    const tail = piece + 1 + last - first;
    out.putConstant(at[tail] as number, at[tail + 1] as number);
    out.putAll(KEPT[plan.kept[q] as number] as Buffer);
  }
}
