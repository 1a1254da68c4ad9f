// Reading the answers contract (DESIGN.md): one JSON line per (question, variation).
import { badInput } from '../errors.js';
import type { AnswerRecord } from '../core/types.js';
import { readLines } from './lines.js';

/** An answer row as read from a file: `answer` may be absent when a task parser is to derive it. */
export type AnswerLine = Omit<AnswerRecord, 'answer'> & { answer?: string | null };

/** Parse and validate one line of an answers file; errors name the file, line and field. */
export function parseAnswerLine(text: string, file: string, line: number): AnswerLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badInput(`not valid JSON (${(error as Error).message})`, { file, line });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput('expected a JSON object', { file, line });
  const o = value as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    const got = o[field] === undefined ? 'missing' : `got ${JSON.stringify(o[field])?.slice(0, 60)}`;
    throw badInput(`expected ${expected}, ${got}`, { file, line, field });
  };
  if (typeof o.id !== 'string' || o.id === '') fail('id', 'a non-empty string');
  if (typeof o.variant !== 'number' || !Number.isInteger(o.variant) || o.variant < 0) fail('variant', 'a non-negative integer');
  if (typeof o.prompt !== 'string') fail('prompt', 'a string');
  if (typeof o.output !== 'string') fail('output', 'a string');
  if (o.answer !== undefined && o.answer !== null && typeof o.answer !== 'string') fail('answer', 'a string or null');
  if (o.gold !== undefined && o.gold !== null && typeof o.gold !== 'string') fail('gold', 'a string or null');
  if (o.choices !== undefined && !(Array.isArray(o.choices) && o.choices.every((c) => typeof c === 'string'))) fail('choices', 'an array of strings');
  return o as unknown as AnswerLine;
}

/** Stream the validated lines of an answers file (blank lines are skipped). */
export function* readAnswerLines(file: string): Generator<{ line: number; row: AnswerLine; bytesRead: number }> {
  for (const { line, text, bytesRead } of readLines(file)) {
    if (text.trim() === '') continue;
    yield { line, row: parseAnswerLine(text, file, line), bytesRead };
  }
}
