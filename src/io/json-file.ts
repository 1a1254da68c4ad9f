import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { badInput } from '../errors.js';

/** Reads a file that must hold one JSON object; a missing file, bad JSON or another value is an error naming it. */
export function readJsonObject(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw badInput('file not found', { file });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw badInput(`not valid JSON (${(err as Error).message})`, { file });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput('must be a JSON object', { file });
  return value as Record<string, unknown>;
}

/** Writes JSON the way Hugging Face tools do: two-space indent, trailing newline. */
export function writeJsonFile(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
