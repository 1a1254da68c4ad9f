// Parquet as the Hugging Face hub serves datasets, read with hyparquet one row group at a time so that memory follows
// the row group, not the file.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { badInput, type Location } from '../errors.js';
import type { RawRow } from '../io/jsonl.js';

/**
 * The rows of a parquet file as plain objects; `line` is the 1-based row number. INT64 values (BigInt in hyparquet)
 * become numbers, and a value too large for a double is bad input rather than silently rounded.
 */
export async function* readParquetRows(file: string): AsyncGenerator<RawRow> {
  const buffer = await asyncBufferFromFile(file);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw badInput(`not a parquet file (${(error as Error).message})`, { file });
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors });
    for (const [offset, row] of rows.entries()) {
      const line = rowStart + offset + 1;
      yield { row: Object.fromEntries(Object.entries(row).map(([key, value]) => [key, plain(value, { file, line, field: key })])), line };
    }
    rowStart = rowEnd;
  }
}

function plain(value: unknown, at: Location): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw badInput(`integer ${value} is too large to read exactly`, at);
    }
    return Number(value);
  }
  if (Array.isArray(value)) return value.map((item) => plain(item, at));
  if (typeof value === 'object' && value !== null && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item, { ...at, field: `${at.field}.${key}` })]));
  }
  return value;
}
