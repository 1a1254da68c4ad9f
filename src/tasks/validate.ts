// Row validation shared by the task readers: one zod schema per record shape, and its first problem turned into
// the W2sError every user-facing error is (file, line, field).
import { z } from 'zod';
import { badInput } from '../errors.js';
import type { RowContext } from './types.js';

/** Parse a raw row with `schema`; the first issue becomes a W2sError naming the file, line and field. */
export function validateRow<T>(schema: z.ZodType<T>, row: unknown, at: Pick<RowContext, 'file' | 'line'>): T {
  const result = schema.safeParse(row);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
  throw badInput(issue ? issue.message : 'invalid record', { file: at.file, line: at.line, field });
}

/** A whole number, also when it arrives as a digit string (CSV) or a BigInt (parquet INT64). */
export const integer = z.preprocess(
  (value) => {
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
    return value;
  },
  z.number({ error: expected('a whole number') }).int({ error: 'expected a whole number' }),
);

/** A boolean, also when it arrives as the text "True"/"False" (the original CSV releases) in any case. */
export const flag = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const lower = value.trim().toLowerCase();
    return lower === 'true' ? true : lower === 'false' ? false : value;
  },
  z.boolean({ error: expected('true or false') }),
);

/** A string field (present, of type string; it may be empty). */
export const text = z.string({ error: expected('a string') });

/** The message of a type error: a missing field says so rather than naming the expected type. */
export function expected(what: string): (issue: { input: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'missing field' : `expected ${what}`);
}

/** The fields without the optional ones the row left out, so records read from different formats compare equal. */
export function dropUndefined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}
