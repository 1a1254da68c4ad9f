import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DECODING } from '../../src/backends/types.js';
import type { AnswerRecord } from '../../src/core/types.js';
import type { OpenAIBackendConfig } from '../../src/backends/create.js';
import type { LabelConfig } from '../../src/label/label.js';

/** The fixtures the label tests read (real records; see fixtures/README.md). */
export const MMLU_VAL = 'fixtures/mmlu/hf/all/validation.jsonl';
export const ETHICS_VAL = 'fixtures/ethics/hf/commonsense/validation.jsonl';
export const GSM8K_TRAIN = 'fixtures/gsm8k/original/train.jsonl';
export const HELLASWAG_VALIDATION = 'fixtures/hellaswag/hf/validation.jsonl';

export function tempDir(prefix = 'w2s-label-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A label run of the MMLU validation excerpt against `baseUrl`, with fast retries. */
export function labelConfig(baseUrl: string, out: string, overrides: Partial<LabelConfig> = {}, backend: Partial<OpenAIBackendConfig> = {}): LabelConfig {
  return {
    task: 'mmlu',
    split: 'val',
    source: { data: [MMLU_VAL], cacheDir: join(out, 'no-cache'), seed: 0 },
    out,
    backend: {
      backend: 'openai',
      model: 'weak-7b',
      baseUrls: [baseUrl],
      api: 'completions',
      apiKeyEnv: 'W2S_TEST_KEY',
      concurrency: 8,
      timeoutMs: 2_000,
      retry: { maxRetries: 2, baseDelayMs: 2, maxDelayMs: 10, maxRetryAfterMs: 60_000 },
      jitterSeed: 0,
      ...backend,
    },
    decoding: { ...DEFAULT_DECODING },
    env: {},
    ...overrides,
  };
}

export function readAnswers(out: string): AnswerRecord[] {
  return readJsonl(join(out, 'answers.jsonl')) as AnswerRecord[];
}

export function readJsonl(path: string): unknown[] {
  if (!existsSync(path)) throw new Error(`missing ${path}`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}
