import { writeSync } from 'node:fs';
import { f32ToF16 } from './half.js';
import { writeFileAtomicallyWith } from '../../io/atomic.js';

/*
 * GGUF version 3, llama.cpp's one-file model format, written as ggml's docs/gguf.md specifies it: the header (magic,
 * version, tensor count, key/value count), typed metadata key/values, one description per tensor (name, dimensions
 * fastest-varying first, type, offset), zero padding to the alignment, then every tensor's data, each starting at a
 * multiple of the alignment. Everything is little-endian; strings are a u64 byte length then UTF-8 bytes.
 */

/** "GGUF" in ASCII, read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
/** The alignment readers assume when `general.alignment` is absent; we also write the key. */
export const GGUF_ALIGNMENT = 32;

/** The metadata value types of the format, with their codes. */
const VALUE_TYPE = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;

/** A metadata value of the kinds this writer needs. */
export type GgufValue =
  | { type: 'u32' | 'i32' | 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; items: 'i32'; values: readonly number[] }
  | { type: 'array'; items: 'string'; values: readonly string[] };

export const ggufU32 = (value: number): GgufValue => ({ type: 'u32', value });
export const ggufF32 = (value: number): GgufValue => ({ type: 'f32', value });
export const ggufBool = (value: boolean): GgufValue => ({ type: 'bool', value });
export const ggufString = (value: string): GgufValue => ({ type: 'string', value });
export const ggufStrings = (values: readonly string[]): GgufValue => ({ type: 'array', items: 'string', values });
export const ggufI32s = (values: readonly number[]): GgufValue => ({ type: 'array', items: 'i32', values });

/** Tensor element types this writer stores (ggml_type codes). */
export const GGML_TYPE = { F32: 0, F16: 1 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;

/** A tensor to store: row-major data and its shape as PyTorch writes it (slowest-varying dimension first). */
export interface GgufTensor {
  name: string;
  shape: readonly number[];
  type: GgmlTypeName;
  data: Float32Array;
}

/** Growable little-endian byte buffer for the header part of the file. */
class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }

  u64(v: number): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }

  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }

  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }

  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeValue(w: ByteWriter, value: GgufValue): void {
  switch (value.type) {
    case 'u32':
      w.u32(VALUE_TYPE.u32);
      w.u32(value.value);
      return;
    case 'i32':
      w.u32(VALUE_TYPE.i32);
      w.i32(value.value);
      return;
    case 'f32':
      w.u32(VALUE_TYPE.f32);
      w.f32(value.value);
      return;
    case 'bool':
      w.u32(VALUE_TYPE.bool);
      w.u8(value.value ? 1 : 0);
      return;
    case 'string':
      w.u32(VALUE_TYPE.string);
      w.string(value.value);
      return;
    case 'array':
      w.u32(VALUE_TYPE.array);
      w.u32(VALUE_TYPE[value.items]);
      w.u64(value.values.length);
      if (value.items === 'string') for (const s of value.values) w.string(s);
      else for (const v of value.values) w.i32(v);
      return;
  }
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function byteSize(t: GgufTensor): number {
  return t.data.length * (t.type === 'F32' ? 4 : 2);
}

function tensorBytes(t: GgufTensor): Uint8Array {
  if (t.type === 'F32') return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const half = new Uint16Array(t.data.length);
  f32ToF16(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length), half);
  return new Uint8Array(half.buffer);
}

/**
 * Writes a GGUF file: the metadata in the given order (with `general.alignment` added), then the tensors in the given
 * order. The file appears complete or not at all (written beside the target, then renamed).
 */
export function writeGguf(path: string, metadata: readonly (readonly [string, GgufValue])[], tensors: readonly GgufTensor[]): void {
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new RangeError(`tensor ${t.name}: ${t.data.length} values for shape [${t.shape.join(', ')}]`);
  }
  const kv = [...metadata, ['general.alignment', ggufU32(GGUF_ALIGNMENT)] as const];
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(kv.length);
  for (const [key, value] of kv) {
    w.string(key);
    writeValue(w, value);
  }
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    offsets.push(offset);
    offset = alignUp(offset + byteSize(t), GGUF_ALIGNMENT);
  }
  tensors.forEach((t, i) => {
    w.string(t.name);
    w.u32(t.shape.length);
    // ggml lists dimensions fastest-varying first: the reverse of PyTorch's shape.
    for (const d of [...t.shape].reverse()) w.u64(d);
    w.u32(GGML_TYPE[t.type]);
    w.u64(offsets[i]!);
  });
  w.zeros(alignUp(w.length, GGUF_ALIGNMENT) - w.length);

  writeFileAtomicallyWith(path, (fd) => {
    writeSync(fd, w.bytes());
    const padding = Buffer.alloc(GGUF_ALIGNMENT);
    for (const t of tensors) {
      const bytes = tensorBytes(t);
      writeSync(fd, bytes);
      const pad = alignUp(bytes.length, GGUF_ALIGNMENT) - bytes.length;
      if (pad > 0) writeSync(fd, padding, 0, pad);
    }
  });
}
