// JSON Lines, as `datasets` writes a split (`Dataset.to_json`) and as the original GSM8K and HellaSwag releases ship.
import { badInput } from '../errors.js';
import { readLines } from './lines.js';

/** A raw row of a data file and the 1-based line it starts on. */
export interface RawRow {
  row: Record<string, unknown>;
  line: number;
}

/** The objects of a JSON Lines file, one per non-blank line; a line that is not a JSON object is bad input. */
export async function* readJsonlRows(file: string): AsyncGenerator<RawRow> {
  for (const { line, text } of readLines(file)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badInput(`not valid JSON (${(error as Error).message})`, { file, line });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw badInput('expected a JSON object on each line (JSON Lines)', { file, line });
    }
    yield { row: value as Record<string, unknown>, line };
  }
}
