import type { z } from 'zod';
import { badInput } from '../errors.js';

/** A commander option key as the user typed it: `maxTokens` -> `--max-tokens`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
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
