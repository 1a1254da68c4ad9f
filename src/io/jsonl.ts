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
    yield { row: parseObjectLine(text, file, line), line };
  }
}

/** One line that must hold a JSON object; anything else is bad input naming the file and line. */
export function parseObjectLine(text: string, file: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (line === 1 && text.charCodeAt(0) === 0xfeff) {
      throw badInput('the file starts with a byte-order mark (U+FEFF); save it as UTF-8 without one', { file, line });
    }
    throw badInput(`not valid JSON (${(error as Error).message})`, { file, line });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput('expected a JSON object on each line (JSON Lines)', { file, line });
  return value as Record<string, unknown>;
}

/** A check's failure for field `field` of a line's object: what was expected and what the line holds. */
export function fieldFailure(o: Record<string, unknown>, file: string, line: number): (field: string, expected: string) => never {
  return (field, expected) => {
    const got = o[field] === undefined ? 'missing' : `got ${JSON.stringify(o[field])?.slice(0, 60)}`;
    throw badInput(`expected ${expected}, ${got}`, { file, line, field });
  };
}
