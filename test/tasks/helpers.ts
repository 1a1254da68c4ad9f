// Shared by the task and data tests: the fixture files, and a row context for calling `fromRow` directly.
import { expect } from 'vitest';
import { W2sError } from '../../src/errors.js';
import type { RowContext, RowFormat } from '../../src/tasks/types.js';

/** The fixture files of each task, by format, for one source split. */
export const FIXTURES = {
  hellaswag: {
    train: {
      hub: 'fixtures/hellaswag/hf/train.jsonl',
      parquet: 'fixtures/hellaswag/hf/train-00000-of-00001.parquet',
      original: 'fixtures/hellaswag/original/hellaswag_train.jsonl',
    },
    validation: {
      hub: 'fixtures/hellaswag/hf/validation.jsonl',
      parquet: 'fixtures/hellaswag/hf/validation-00000-of-00001.parquet',
      original: 'fixtures/hellaswag/original/hellaswag_val.jsonl',
    },
  },
  mmlu: {
    dev: {
      hub: 'fixtures/mmlu/hf/all/dev.jsonl',
      parquet: 'fixtures/mmlu/hf/all/dev-00000-of-00001.parquet',
      original: ['fixtures/mmlu/original/dev/global_facts_dev.csv', 'fixtures/mmlu/original/dev/high_school_computer_science_dev.csv'],
    },
    validation: {
      hub: 'fixtures/mmlu/hf/all/validation.jsonl',
      parquet: 'fixtures/mmlu/hf/all/validation-00000-of-00001.parquet',
      original: ['fixtures/mmlu/original/val/global_facts_val.csv', 'fixtures/mmlu/original/val/high_school_computer_science_val.csv'],
    },
    test: {
      hub: 'fixtures/mmlu/hf/all/test.jsonl',
      parquet: 'fixtures/mmlu/hf/all/test-00000-of-00001.parquet',
      original: ['fixtures/mmlu/original/test/global_facts_test.csv', 'fixtures/mmlu/original/test/high_school_computer_science_test.csv'],
    },
  },
  ethics: {
    validation: {
      hub: 'fixtures/ethics/hf/commonsense/validation.jsonl',
      parquet: 'fixtures/ethics/hf/commonsense/ethics-validation.parquet',
      original: 'fixtures/ethics/original/commonsense/cm_test.csv',
    },
  },
  gsm8k: {
    train: { parquet: 'fixtures/gsm8k/hf/main/train-00000-of-00001.parquet', original: 'fixtures/gsm8k/original/train.jsonl' },
    test: { parquet: 'fixtures/gsm8k/hf/main/test-00000-of-00001.parquet', original: 'fixtures/gsm8k/original/test.jsonl' },
  },
} as const;

/** A row context for a row read from `file` at `line` (split `test`, index 0 unless given). */
export function rowAt(file: string, line: number, extra: Partial<RowContext> & { format?: RowFormat } = {}): RowContext {
  const counts = new Map<string, number>();
  return {
    file,
    line,
    format: 'jsonl',
    split: 'test',
    index: 0,
    occurrence: (key) => {
      const seen = counts.get(key) ?? 0;
      counts.set(key, seen + 1);
      return seen;
    },
    ...extra,
  };
}

/** Assert that `run` throws a W2sError (exit code 2) whose message names every one of `parts`. */
export function expectBadInput(run: () => unknown, ...parts: string[]): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expectW2sError(caught, parts);
}

/** The async form of {@link expectBadInput}. */
export async function expectBadInputAsync(run: () => Promise<unknown>, ...parts: string[]): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expectW2sError(caught, parts);
}

function expectW2sError(caught: unknown, parts: readonly string[]): void {
  expect(caught).toBeInstanceOf(W2sError);
  const error = caught as W2sError;
  expect(error.exitCode).toBe(2);
  for (const part of parts) expect(error.message).toContain(part);
}
