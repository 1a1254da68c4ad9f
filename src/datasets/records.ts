// Reading a task's records from the files people have: the hub's parquet, JSON Lines with the hub's field names, and
// the original releases' CSV and JSON Lines. The format is told by the file extension, the source split by the file
// name (or given).
//
// Record ids are stable: `<task>/<source split>/<n>` where n is the 0-based position of the record among all
// records of that split, over the split's files in the order given (MMLU numbers per subject:
// `mmlu/<split>/<subject>/<n>`, so that the hub's merged `all` files and the original per-subject CSVs agree).
import { extname } from 'node:path';
import { badInput } from '../errors.js';
import type { Question, RowFormat, Task } from '../tasks/types.js';
import { readCsvRows } from './csv.js';
import { readJsonlRows, type RawRow } from '../io/jsonl.js';
import { readParquetRows } from './parquet.js';

/** The records of one source split. */
export interface LoadedSplit<R extends Question> {
  split: string;
  records: R[];
}

const FORMATS: Readonly<Record<string, RowFormat>> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  // `datasets` writes JSON Lines also under a .json name (`Dataset.to_json("train.json")`).
  '.json': 'jsonl',
  '.csv': 'csv',
  '.parquet': 'parquet',
};

/** The format of a data file, told by its extension; an unknown extension is bad input. */
export function formatOf(file: string): RowFormat {
  const format = FORMATS[extname(file).toLowerCase()];
  if (!format) {
    throw badInput(`unknown data file type "${extname(file) || '(none)'}"; known: ${Object.keys(FORMATS).join(', ')}`, { file });
  }
  return format;
}

/** The raw rows of a data file in any supported format; `csvColumns` names the columns of a header-less CSV. */
export function readRows(file: string, csvColumns?: readonly string[]): AsyncGenerator<RawRow> {
  const format = formatOf(file);
  if (format === 'csv') return readCsvRows(file, csvColumns);
  if (format === 'parquet') return readParquetRows(file);
  return readJsonlRows(file);
}

/**
 * The validated records of one source split of `task`, read from one file or several (the shards or per-subject
 * files of the split, in order). The split is `options.split` or told from the file names, which must agree.
 */
export async function loadRecords<R extends Question>(
  task: Task<R>,
  files: string | readonly string[],
  options: { split?: string } = {},
): Promise<LoadedSplit<R>> {
  const list = typeof files === 'string' ? [files] : [...files];
  if (list.length === 0) throw badInput(`no data files given for ${task.name}`, { field: 'files' });
  const split = options.split ?? splitOfFiles(task, list);
  if (!task.sourceSplits.includes(split)) {
    throw badInput(`${task.name} has no split "${split}"; its splits: ${task.sourceSplits.join(', ')}`, { file: list[0], field: 'split' });
  }
  const records: R[] = [];
  const counts = new Map<string, number>();
  const occurrence = (key: string): number => {
    const seen = counts.get(key) ?? 0;
    counts.set(key, seen + 1);
    return seen;
  };
  for (const file of list) {
    const format = formatOf(file);
    for await (const { row, line } of readRows(file, task.csvColumns)) {
      records.push(task.fromRow(row, { file, line, format, split, index: records.length, occurrence }));
    }
  }
  return { split, records };
}

/**
 * The records of every source split found among `files`, grouped by the split each file's name tells (files of one
 * split keep their order). A file whose split cannot be told is bad input.
 */
export async function loadSourceSplits<R extends Question>(task: Task<R>, files: readonly string[]): Promise<Record<string, R[]>> {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    const split = requireSplitOf(task, file);
    groups.set(split, [...(groups.get(split) ?? []), file]);
  }
  const sources: Record<string, R[]> = {};
  for (const [split, group] of groups) sources[split] = (await loadRecords(task, group, { split })).records;
  return sources;
}

function splitOfFiles(task: Task<Question>, files: readonly string[]): string {
  const first = requireSplitOf(task, files[0] as string);
  for (const file of files.slice(1)) {
    const split = requireSplitOf(task, file);
    if (split !== first) throw badInput(`holds split "${split}" but ${files[0]} holds "${first}"; load one split at a time`, { file });
  }
  return first;
}

function requireSplitOf(task: Task<Question>, file: string): string {
  const split = task.sourceSplitOf(file);
  if (split === undefined) {
    throw badInput(
      `cannot tell which ${task.name} split this file holds; name it after the split (${task.sourceSplits.join(', ')}) or give the split`,
      { file },
    );
  }
  return split;
}
