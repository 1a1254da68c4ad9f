import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f32ToBf16 } from '../../../src/engine/formats/half.js';
import type { TensorMap } from '../../../src/engine/params.js';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from '../../../src/engine/formats/safetensors.js';
import { W2sError } from '../../../src/errors.js';
import { expected, FIXTURES, float32Digest, rawSafetensors, tempDir } from './helpers.js';

const EDGE = new Float32Array([0, -0, 1e-45, -1e-45, 1.17549435e-38, 3.4028235e38, -3.4028235e38, Infinity, -Infinity, NaN, 1, -2.5]);

function sampleTensors(): TensorMap {
  const big = new Float32Array(3 * 5 * 7).map((_, i) => Math.sin(i) * 10 ** ((i % 9) - 4));
  return new Map([
    ['edge', { shape: [EDGE.length], data: EDGE }],
    ['model.layers.0.weight', { shape: [3, 5, 7], data: big }],
    ['scalar', { shape: [], data: new Float32Array([42]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]);
}

function bits(data: Float32Array): number[] {
  return [...new Uint32Array(data.buffer, data.byteOffset, data.length)];
}

function expectError(fn: () => unknown, ...parts: string[]): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(W2sError);
    expect((err as W2sError).exitCode).toBe(2);
    for (const part of parts) expect((err as Error).message).toContain(part);
    return;
  }
  throw new Error('expected a W2sError');
}

describe('writeSafetensors / readSafetensors', () => {
  it('round-trips float32 tensors bit for bit, with shapes and metadata', () => {
    const file = join(tempDir(), 'a.safetensors');
    const tensors = sampleTensors();
    writeSafetensors(file, tensors, { metadata: { format: 'pt', note: 'ünïcode' } });
    const back = readSafetensors(file);
    expect(back.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    expect([...back.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      expect(back.tensors.get(name)!.shape).toEqual(t.shape);
      expect(bits(back.tensors.get(name)!.data)).toEqual(bits(t.data));
    }
  });

  it('lays the file out as the reference writer does: sorted, contiguous, data aligned to 8 bytes', () => {
    const file = join(tempDir(), 'a.safetensors');
    writeSafetensors(file, sampleTensors());
    const header = readSafetensorsHeader(file);
    expect(header.dataStart % 8).toBe(0);
    expect([...header.entries.keys()]).toEqual(['edge', 'empty', 'model.layers.0.weight', 'scalar']);
    expect(header.entries.get('edge')).toMatchObject({ dtype: 'F32', begin: 0, end: 48 });
    expect(statSync(file).size).toBe(header.dataStart + 4 * (EDGE.length + 105 + 1));
  });

  it('writes bfloat16 rounded to nearest even and reads it back as those float32 values', () => {
    const file = join(tempDir(), 'b.safetensors');
    const tensors = sampleTensors();
    writeSafetensors(file, tensors, { dtype: 'BF16' });
    const header = readSafetensorsHeader(file);
    expect(header.entries.get('model.layers.0.weight')).toMatchObject({ dtype: 'BF16', begin: 48 / 2, end: 24 + 210 });
    const back = readSafetensors(file).tensors;
    for (const [name, t] of tensors) {
      const rounded = new Uint16Array(t.data.length);
      f32ToBf16(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length), rounded);
      expect(bits(back.get(name)!.data)).toEqual([...rounded].map((b) => (b << 16) >>> 0));
    }
  });

  it('replaces an existing file only once the new one is complete', () => {
    const file = join(tempDir(), 'c.safetensors');
    writeSafetensors(file, sampleTensors());
    const bad: TensorMap = new Map([['x', { shape: [2, 2], data: new Float32Array(3) }]]);
    expect(() => writeSafetensors(file, bad)).toThrow(/4 elements but data has 3/);
    expect(readSafetensors(file).tensors.size).toBe(4);
  });

  it('reads only the tensors asked for', () => {
    const file = join(tempDir(), 'd.safetensors');
    writeSafetensors(file, sampleTensors());
    expect([...readSafetensors(file, ['scalar']).tensors.keys()]).toEqual(['scalar']);
    expectError(() => readSafetensors(file, ['nope']), file, 'field "nope"', 'not found');
  });
});

describe('reading files the reference implementation wrote', () => {
  it('reads F16, BF16 and F32 edge values (subnormals, infinities, NaN, signed zeros) exactly', () => {
    const want = expected().edge;
    const { metadata, tensors } = readSafetensors(join(FIXTURES, 'py-edge.safetensors'));
    expect(metadata).toEqual(want.metadata);
    expect(new Set(tensors.keys())).toEqual(new Set(Object.keys(want.tensors)));
    for (const [name, digest] of Object.entries(want.tensors)) {
      expect(tensors.get(name)!.shape).toEqual(digest.shape);
      expect(float32Digest(tensors.get(name)!.data)).toBe(digest.sha256);
    }
    expect(readSafetensorsHeader(join(FIXTURES, 'py-edge.safetensors')).entries.get('f16')!.dtype).toBe('F16');
  });
});

describe('malformed files', () => {
  const f32 = (n: number): Uint8Array => new Uint8Array(4 * n);
  const entry = (begin: number, end: number, shape = [(end - begin) / 4], dtype = 'F32'): unknown => ({ dtype, shape, data_offsets: [begin, end] });
  const write = (header: unknown, data: Uint8Array = new Uint8Array(0)): string => {
    const file = join(tempDir(), 'bad.safetensors');
    rawSafetensors(file, typeof header === 'string' ? header : JSON.stringify(header), data);
    return file;
  };

  it('rejects a file shorter than the length prefix', () => {
    const file = join(tempDir(), 'short.safetensors');
    rawSafetensors(file, '', undefined, 0n);
    const truncated = readFileSync(file).subarray(0, 5);
    const path = join(tempDir(), 'tiny.safetensors');
    writeFileSync(path, truncated);
    expectError(() => readSafetensors(path), path, 'shorter than the 8-byte header length');
  });

  it('rejects header lengths past the end of the file or over 100 MB', () => {
    const file = join(tempDir(), 'x.safetensors');
    rawSafetensors(file, '{}', undefined, 1000n);
    expectError(() => readSafetensors(file), file, 'runs past the end of the file');
    rawSafetensors(file, '{}', undefined, 2n ** 63n);
    expectError(() => readSafetensors(file), 'exceeds the 100000000-byte limit');
  });

  it('rejects headers that are not UTF-8 JSON objects', () => {
    const file = join(tempDir(), 'x.safetensors');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(2n);
    writeFileSync(file, Buffer.concat([prefix, Buffer.from([0xc3, 0x28])]));
    expectError(() => readSafetensors(file), 'not valid UTF-8');
    expectError(() => readSafetensors(write('{"a": ')), 'not valid JSON');
    expectError(() => readSafetensors(write('[1, 2]')), 'must be a JSON object');
  });

  it('rejects metadata that is not a map of strings', () => {
    expectError(() => readSafetensors(write({ __metadata__: { n: 1 } })), 'field "__metadata__.n"', 'must be strings');
    expectError(() => readSafetensors(write({ __metadata__: [] })), 'field "__metadata__"');
  });

  it('rejects bad tensor entries, naming the tensor', () => {
    expectError(() => readSafetensors(write({ w: entry(0, 8, [2], 'F17') }, f32(2))), 'field "w"', 'unknown dtype "F17"');
    expectError(() => readSafetensors(write({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1))), 'field "w"', 'shape');
    expectError(() => readSafetensors(write({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32(1))), 'field "w"', 'data_offsets');
    expectError(() => readSafetensors(write({ w: { dtype: 'F32', shape: [1] } }, f32(1))), 'field "w"', 'data_offsets');
    expectError(() => readSafetensors(write({ w: 3 })), 'field "w"', 'must be an object');
  });

  it('rejects offsets that leave gaps, overlap, or disagree with shape and dtype', () => {
    expectError(() => readSafetensors(write({ a: entry(0, 8), b: entry(12, 16) }, f32(4))), 'field "b"', 'leaves a gap');
    expectError(() => readSafetensors(write({ a: entry(0, 8), b: entry(4, 12) }, f32(3))), 'field "b"', 'overlaps');
    expectError(() => readSafetensors(write({ a: entry(4, 8) }, f32(2))), 'field "a"', 'leaves a gap');
    expectError(() => readSafetensors(write({ a: entry(0, 8, [3]) }, f32(2))), 'field "a"', 'span 8 bytes', 'needs 12');
    expectError(() => readSafetensors(write({ a: entry(0, 4, [1], 'BF16') }, f32(1))), 'field "a"', 'needs 2');
  });

  it('rejects data sections longer or shorter than the tensors', () => {
    expectError(() => readSafetensors(write({ a: entry(0, 8) }, f32(3))), 'cover 8 bytes', 'holds 12');
    expectError(() => readSafetensors(write({ a: entry(0, 8) }, f32(1))), 'cover 8 bytes', 'holds 4');
  });

  it('accepts entries in any order and header padding, like the reference reader', () => {
    const data = new Float32Array([1, 2, 3]);
    const file = write(`${JSON.stringify({ b: entry(4, 12), a: entry(0, 4) })}      `, new Uint8Array(data.buffer));
    const t = readSafetensors(file).tensors;
    expect([...t.get('a')!.data]).toEqual([1]);
    expect([...t.get('b')!.data]).toEqual([2, 3]);
  });

  it('reads the header of any valid dtype but refuses to convert the unsupported ones', () => {
    const file = write({ ids: entry(0, 16, [2], 'I64') }, new Uint8Array(16));
    expect(readSafetensorsHeader(file).entries.get('ids')!.dtype).toBe('I64');
    expectError(() => readSafetensors(file), file, 'field "ids"', 'dtype I64 is not supported');
  });
});

describe('memory', () => {
  it('converts a large bfloat16 file without a second full-size buffer', () => {
    const file = join(tempDir(), 'big.safetensors');
    const n = 8 * 1024 * 1024;
    const data = new Float32Array(n).map((_, i) => i % 256);
    writeSafetensors(file, new Map([['w', { shape: [n], data }]]), { dtype: 'BF16' });
    const before = process.memoryUsage().arrayBuffers;
    const back = readSafetensors(file).tensors.get('w')!;
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(back.data[1000]).toBe(1000 % 256);
    // The float32 result (32 MiB) plus the 4 MiB scratch; reading the whole 16 MiB file first would add 16 MiB.
    expect(grown).toBeLessThan(4 * n + 8 * 1024 * 1024);
  });
});
