import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterEach, expect } from 'vitest';
import { W2sError } from '../../../src/errors.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** What hf_samples.py recorded about the files the Hugging Face libraries wrote. */
export interface Expected {
  sample_texts: string[];
  llama: { config: Record<string, unknown>; shards: number; tensors: Record<string, Digest>; token_ids: number[][] };
  lora: { tensors: Record<string, Digest> };
  edge: { tensors: Record<string, Digest>; metadata: Record<string, string> };
}
export interface Digest {
  shape: number[];
  sha256: string;
}

export function expected(): Expected {
  return JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Expected;
}

/** SHA-256 of float32 values as little-endian bytes (the digest hf_samples.py records). */
export function float32Digest(data: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

const made: string[] = [];
/** A fresh temporary folder for the current test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-formats-'));
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The GPT-2 tokenizer.json fixture, unpacked into a folder with its tokenizer_config.json. */
export function gpt2Dir(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'tokenizer.json'), gunzipSync(readFileSync(join(FIXTURES, 'gpt2', 'tokenizer.json.gz'))));
  writeFileSync(join(dir, 'tokenizer_config.json'), readFileSync(join(FIXTURES, 'gpt2', 'tokenizer_config.json')));
  return dir;
}

/** A safetensors file from raw parts, for malformed-file tests: the header text, its declared length, the data. */
export function rawSafetensors(file: string, header: string, data: Uint8Array = new Uint8Array(0), declaredLength?: bigint): void {
  const headerBytes = Buffer.from(header, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(declaredLength ?? BigInt(headerBytes.length));
  writeFileSync(file, Buffer.concat([prefix, headerBytes, data]));
}

/** `fn` must throw bad input (a W2sError) whose message contains every one of `parts`. */
export function expectBadInput(fn: () => unknown, ...parts: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(W2sError);
  for (const part of parts) expect((caught as Error).message).toContain(part);
}
