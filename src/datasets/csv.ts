// CSV (RFC 4180) through csv-parse: the original MMLU (header-less) and ETHICS (with a header) releases.
import { createReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { badInput } from '../errors.js';
import type { RawRow } from '../io/jsonl.js';

/**
 * The records of a CSV file as objects keyed by column name: by `columns` when given (a header-less file), else by
 * the file's first line. `line` is the line a record starts on (a quoted field may span lines). Blank lines are
 * skipped; a record with the wrong number of fields or an unclosed quote is bad input.
 */
export async function* readCsvRows(file: string, columns?: readonly string[]): AsyncGenerator<RawRow> {
  const parser = createReadStream(file).pipe(
    parse({ columns: columns ? [...columns] : true, bom: true, info: true, skip_empty_lines: true }),
  );
  // csv-parse reports the line a record ends on; the next record starts on the line after it, past blank lines.
  let lastLine = columns ? 0 : 1;
  let lastEmpty = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; empty_lines: number } }>) {
      const line = lastLine + 1 + (info.empty_lines - lastEmpty);
      lastLine = info.lines;
      lastEmpty = info.empty_lines;
      yield { row: record, line };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error.lines === 'number' ? error.lines : undefined;
      throw badInput(`not valid CSV: ${error.message.replace(/ on line \d+$/, '')}`, { file, line });
    }
    throw error;
  }
}
