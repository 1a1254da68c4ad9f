import type { z } from 'zod';
import { badInput } from '../errors.js';

/** A commander option key as the user typed it: `maxTokens` -> `--max-tokens`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * A number option as commander gives it (a string), checked without zod for the commands that must start fast
 * (`w2s score`): bad input naming the flag when it is not a number, not whole where it must be, or out of range.
 */
export function numberFlag(raw: unknown, flag: string, range: { integer?: boolean; above?: number; min?: number; max?: number } = {}): number {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : typeof raw === 'number' ? raw : NaN;
  const bounds =
    range.min !== undefined && range.max !== undefined
      ? [`from ${range.min} to ${range.max}`]
      : [...(range.above !== undefined ? [`> ${range.above}`] : []), ...(range.min !== undefined ? [`>= ${range.min}`] : []), ...(range.max !== undefined ? [`<= ${range.max}`] : [])];
  const wanted = [range.integer ? 'a whole number' : 'a number', ...bounds].join(' ');
  const ok =
    Number.isFinite(value) &&
    (!range.integer || Number.isInteger(value)) &&
    (range.above === undefined || value > range.above) &&
    (range.min === undefined || value >= range.min) &&
    (range.max === undefined || value <= range.max);
  if (!ok) throw badInput(`invalid ${flag}: expected ${wanted}, got "${String(raw)}"`, { field: flag });
  return value;
}

/** Validates a command's parsed options with its zod schema; the first problem is bad input naming its flag. */
export function parseFlags<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = flagName(String(issue?.path[0] ?? ''));
    throw badInput(`invalid ${flag}: ${issue?.message}`, { field: flag });
  }
  return parsed.data;
}
