// Reading and writing the SFT-rows contract (docs/contracts.md): JSONL {"id", "prompt", "completion", "weight"}, the input of every Trainer.
import { existsSync } from 'node:fs';
import type { SftRow } from '../core/types.js';
import { badInput } from '../errors.js';
import { readLines } from './lines.js';
import { fieldFailure, parseObjectLine } from './jsonl.js';

/** Parse and validate one line of an SFT rows file; errors name the file, line and field. */
export function parseSftRow(text: string, file: string, line: number): SftRow {
  const o = parseObjectLine(text, file, line);
  const fail = fieldFailure(o, file, line);
  if (typeof o.id !== 'string' || o.id === '') fail('id', 'a non-empty string');
  if (typeof o.prompt !== 'string') fail('prompt', 'a string');
  if (typeof o.completion !== 'string') fail('completion', 'a string');
  // Eq. 5 weights: S_prob for reweighting, 1 otherwise; a weight of 0 is allowed (the row still counts in B).
  if (typeof o.weight !== 'number' || !Number.isFinite(o.weight) || o.weight < 0) fail('weight', 'a finite number >= 0');
  return { id: o.id as string, prompt: o.prompt as string, completion: o.completion as string, weight: o.weight as number };
}

/** Every row of an SFT rows file (blank lines skipped); a missing or empty file is bad input. */
export function readSftRows(file: string): SftRow[] {
  if (!existsSync(file)) throw badInput('no such file', { file });
  const rows: SftRow[] = [];
  for (const { line, text } of readLines(file)) {
    if (text.trim() !== '') rows.push(parseSftRow(text, file, line));
  }
  if (rows.length === 0) throw badInput('the file holds no rows', { file });
  return rows;
}

/** The rows as the contract's JSONL text: the four fields in their order, one line each. */
export function sftRowsText(rows: readonly SftRow[]): string {
  return rows.map((r) => `${JSON.stringify({ id: r.id, prompt: r.prompt, completion: r.completion, weight: r.weight })}\n`).join('');
}
