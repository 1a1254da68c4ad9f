// `w2s score`: reliability for any answers file, streamed in two passes (docs/method.md Sec. 4).
// Pass 1 tallies a few numbers per question; pass 2 re-reads the file and writes the SFT rows of every method.
// Memory grows with the number of questions (a few dozen bytes each), never with the text of prompts and outputs.
import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { badInput, W2sError } from '../errors.js';
import { PAPER_METHODS, type RenderAnswer, type SelectionMethod, type SelectionOptions } from '../core/selection.js';
import { AnswerReader, type AnswerLine } from '../io/answers.js';
import { IoThread } from '../io/io-thread.js';
import { READ_CHUNK_BYTES } from '../io/lines.js';
import { StagedOutput } from '../io/staged-output.js';
import { ScoreExplorePage } from '../report/explore/writer.js';
import { planScore, type ScorePlan } from './plan.js';
import { writeReliability } from './reliability-writer.js';
import { SftWriter } from './sft-writer.js';
import { summarize, type ScoreSummary } from './summary.js';
import { NULL_CODE, QuestionTallies, type RowKeys } from './tally.js';

export type { ScoreSummary } from './summary.js';

export interface ScoreOptions extends SelectionOptions {
  input: string;
  /** What summary.json calls the input (default: `input`): the library names spooled records so, not their temporary file. */
  inputName?: string;
  out: string;
  /** Methods whose SFT rows to write; default: the paper's (ceiling only when gold answers are present). */
  methods?: readonly SelectionMethod[];
  /** Derives `answer` from `output` (and `choices`) for lines that have none: a task's parser. */
  parseAnswer?: (row: AnswerLine) => string | null;
  /** Renders canonical answers as completions (a task's `renderAnswer`); identity without a task. */
  render?: RenderAnswer;
  /** Called now and then with the pass (1 or 2) and the fraction of the file read. */
  onProgress?: (pass: 1 | 2, fraction: number) => void;
  /** Stops the scoring within a few milliseconds when aborted (Ctrl-C); nothing is written then. */
  signal?: AbortSignal;
  /**
   * Read the input and write the outputs on a second thread while lines are scanned and rows assembled (same bytes
   * either way; needs the native addon). Default: for inputs of IO_THREAD_FROM bytes or more, where it pays for
   * starting the thread.
   */
  ioThread?: boolean;
  /** Write explore.html, the page that shows the answers and moves tau (default true; a file over EXPLORE_MAX_ROWS rows gets none). */
  explore?: boolean;
}

export const IO_THREAD_FROM = 16 << 20;

/** The files `w2s score` writes into --out: one run's replace any earlier run's. */
const OUTPUT_FILES = /^(reliability\.jsonl|summary\.json|sft-[a-z-]+\.jsonl|explore\.html)$/;

/**
 * Score an answers file into `out`: reliability.jsonl, sft-<method>.jsonl, summary.json. All or nothing: on bad input,
 * a failed write or an aborted signal, nothing is left at `out`.
 */
export async function score(options: ScoreOptions): Promise<ScoreSummary> {
  const { input } = options;
  if (resolve(dirname(input)) === resolve(options.out) && OUTPUT_FILES.test(basename(input))) {
    throw badInput(`the answers file would be overwritten by an output of the same name; choose another --out`, { file: input, field: '--out' });
  }
  const before = inputStat(input);
  const size = before.size;
  const ioThread = options.ioThread ?? size >= IO_THREAD_FROM;
  const { keys, plan, hasGold, rows } = await firstPass(options, size, ioThread);
  const methods = options.methods ?? PAPER_METHODS.filter((m) => m !== 'ceiling' || hasGold);
  if (methods.includes('ceiling') && !hasGold) throw badInput('method "ceiling" needs gold answers, and no line has a "gold"', { file: input, field: 'gold' });

  const output = new StagedOutput(options.out);
  let explore: ScoreExplorePage | null = null;
  try {
    options.signal?.throwIfAborted();
    if (options.explore !== false) explore = ScoreExplorePage.open(join(output.staging, 'explore.html'), rows, basename(options.inputName ?? input));
    writeReliability(join(output.staging, 'reliability.jsonl'), keys, plan, ioThread);
    const sftRows = await secondPass(options, size, keys, plan, methods, output.staging, ioThread, explore);
    const after = inputStat(input);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw badInput('the file changed while it was being scored', { file: input });
    explore?.finish(options.inputName ?? input, options, keys.ids, keys.answers, hasGold ? plan.gold : null);
    const summary = summarize(options.inputName ?? input, options, plan, sftRows);
    const summaryWriter = output.writer('summary.json');
    summaryWriter.write(`${JSON.stringify(summary, null, 2)}\n`);
    summaryWriter.close();
    output.commit(OUTPUT_FILES);
    return summary;
  } catch (error) {
    explore?.abandon();
    output.abort();
    throw error;
  }
}

function inputStat(file: string): { size: number; mtimeMs: number } {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw badInput('not a file', { file });
    return stat;
  } catch (error) {
    if (error instanceof W2sError) throw error;
    throw badInput(`cannot read the answers file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file });
  }
}

/** Pass 1 and the plan; of the tallies only the row keys live on. */
async function firstPass(options: ScoreOptions, size: number, ioThread: boolean): Promise<{ keys: RowKeys; plan: ScorePlan; hasGold: boolean; rows: number }> {
  const tallies = new QuestionTallies(options.input, options.parseAnswer);
  const threaded = ioThread && IoThread.available();
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES * (threaded ? 2 : 1));
  const io = threaded ? IoThread.start(buffer) : null;
  try {
    const reader = new AnswerReader(options.input, { buffer, readAhead: io && { io, base: 0 } });
    await forEachRow(options, 1, size, reader, (reader) => tallies.add(reader.row));
  } finally {
    io?.stop();
  }
  if (tallies.questions === 0) throw badInput('no answers: the file is empty', { file: options.input });
  const hasGold = tallies.gold.subarray(0, tallies.questions).some((code) => code > NULL_CODE);
  return { keys: tallies.keys, plan: planScore(tallies, options), hasGold, rows: tallies.rows };
}

async function secondPass(
  options: ScoreOptions, size: number, keys: RowKeys, plan: ScorePlan, methods: readonly SelectionMethod[], dir: string, ioThread: boolean, explore: ScoreExplorePage | null,
): Promise<Map<SelectionMethod, number>> {
  const writer = new SftWriter(plan, keys, methods, options, (m) => join(dir, `sft-${m}.jsonl`), options.render, ioThread, size);
  let line = 0;
  try {
    await forEachRow(options, 2, size, new AnswerReader(options.input, writer.readerOptions()), (reader) => {
      const row = reader.row;
      line = row.line;
      const q = keys.findQuestion(row);
      if (q < 0) throw badInput('the file changed while it was being scored: a question appeared in the second pass', { file: options.input, line, field: 'id' });
      const answer = keys.answerCode(row);
      writer.add(row, q, answer);
      explore?.add(row, q, answer);
    });
  } catch (error) {
    writer.abandon();
    // A task's rendering refuses a row (an answer that is not one of its options): name the file and line.
    if (error instanceof W2sError) throw error.at({ file: options.input, line });
    throw error;
  }
  return writer.close();
}

/** Rows between progress reports and looks at the signal: a few milliseconds of work. */
const CHECK_EVERY = 0x1fff;

/**
 * Runs `each` on every non-blank line the reader reads. Now and then it reports progress and, when there is a signal or
 * a progress callback, lets the event loop turn (so that Ctrl-C is heard and progress bars are drawn) and stops if the
 * signal is aborted.
 */
async function forEachRow(options: ScoreOptions, pass: 1 | 2, size: number, reader: AnswerReader, each: (reader: AnswerReader) => void): Promise<void> {
  const { onProgress, signal } = options;
  const turns = onProgress !== undefined || signal !== undefined;
  try {
    let count = 0;
    while (reader.next()) {
      each(reader);
      if ((++count & CHECK_EVERY) === 0 && turns) {
        onProgress?.(pass, size === 0 ? 1 : reader.bytesRead / size);
        await new Promise((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
      }
    }
  } finally {
    reader.close();
  }
  onProgress?.(pass, 1);
}
