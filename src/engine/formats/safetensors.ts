import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { badInput } from '../../errors.js';
import type { Tensor, TensorMap } from '../params.js';
import { bf16ToF32, f16ToF32, f32ToBf16 } from './half.js';
import { writeFileAtomicallyWith } from '../../io/atomic.js';

/*
 * The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name to
 * {dtype, shape, data_offsets: [begin, end]} (offsets into the data section that follows the header) plus an optional
 * "__metadata__" object of strings, then the data section. Every rule below is one the reference implementation
 * (huggingface/safetensors) enforces when it reads a file, so a file we accept is one Python accepts too.
 */

/** Dtypes read into float32. */
export type ReadableDtype = 'F32' | 'F16' | 'BF16';
/** Dtypes written from float32. */
export type WritableDtype = 'F32' | 'BF16';

/** Bytes per element of every dtype the format defines, so any valid header can be checked, read or not. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};
const READABLE: readonly string[] = ['F32', 'F16', 'BF16'];

/** The reference implementation refuses larger headers; so do we, before allocating anything for one. */
const MAX_HEADER_BYTES = 100_000_000;
const LENGTH_BYTES = 8;
/** Half-precision tensors are converted through a scratch buffer of at most this size, never a second full copy. */
const SCRATCH_BYTES = 1 << 22;
/** One read or write call moves at most this much (Node caps a single call below 2 GiB). */
const IO_CHUNK_BYTES = 1 << 30;

/** One tensor as the header describes it; offsets are relative to the start of the data section. */
export interface TensorEntry {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A parsed and validated header. */
export interface SafetensorsHeader {
  file: string;
  metadata: Record<string, string>;
  /** In data order (ascending offsets). */
  entries: Map<string, TensorEntry>;
  /** Absolute file offset of the data section. */
  dataStart: number;
}

/** Reads and validates the header of a safetensors file (tensor data is not read). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openSync(file, 'r');
  try {
    return parseHeader(fd, file);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads tensors (all, or the named ones) as float32. Each tensor's bytes go straight into its own Float32Array (F32),
 * or through a small scratch buffer (F16/BF16), so peak memory is the result plus a few MiB.
 */
export function readSafetensors(
  file: string,
  names?: Iterable<string>,
): { metadata: Record<string, string>; tensors: TensorMap } {
  assertLittleEndianHost();
  const fd = openSync(file, 'r');
  try {
    const header = parseHeader(fd, file);
    const wanted = names === undefined ? [...header.entries.keys()] : [...names];
    const tensors: TensorMap = new Map();
    for (const name of wanted) {
      const entry = header.entries.get(name);
      if (!entry) throw badInput('tensor not found in file', { file, field: name });
      tensors.set(name, readTensor(fd, file, name, entry, header.dataStart));
    }
    return { metadata: header.metadata, tensors };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes tensors as a safetensors file (F32, or BF16 rounded to nearest even), in the reference layout: tensors
 * sorted by name, header padded with spaces to a multiple of 8 bytes so every tensor starts aligned. The file appears
 * whole or not at all (written beside the target, then renamed).
 */
export function writeSafetensors(
  file: string,
  tensors: TensorMap,
  options: { metadata?: Record<string, string>; dtype?: WritableDtype } = {},
): void {
  assertLittleEndianHost();
  const dtype = options.dtype ?? 'F32';
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (options.metadata !== undefined) header.__metadata__ = options.metadata;
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new Error('"__metadata__" is reserved and cannot name a tensor');
    const t = tensors.get(name) as Tensor;
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) {
      throw new Error(`tensor ${name}: shape [${t.shape.join(', ')}] has ${numel} elements but data has ${t.data.length}`);
    }
    const bytes = numel * DTYPE_BYTES[dtype]!;
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((LENGTH_BYTES - (Buffer.byteLength(json) % LENGTH_BYTES)) % LENGTH_BYTES);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(LENGTH_BYTES);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));

  writeFileAtomicallyWith(
    file,
    (fd) => {
      writeAll(fd, prefix);
      writeAll(fd, headerBytes);
      for (const name of names) writeTensor(fd, (tensors.get(name) as Tensor).data, dtype);
    },
    { fsync: true },
  );
}

function parseHeader(fd: number, file: string): SafetensorsHeader {
  const size = fstatSync(fd).size;
  if (size < LENGTH_BYTES) throw badInput(`file is ${size} bytes, shorter than the 8-byte header length`, { file });
  const prefix = Buffer.alloc(LENGTH_BYTES);
  readExactly(fd, prefix, 0, file);
  const n = prefix.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) throw badInput(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`, { file });
  const headerLength = Number(n);
  if (LENGTH_BYTES + headerLength > size) {
    throw badInput(`header length ${headerLength} runs past the end of the file (${size} bytes)`, { file });
  }
  const raw = Buffer.alloc(headerLength);
  readExactly(fd, raw, LENGTH_BYTES, file);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw badInput('header is not valid UTF-8', { file });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badInput(`header is not valid JSON (${(err as Error).message})`, { file });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badInput('header must be a JSON object', { file });
  }

  const metadata: Record<string, string> = {};
  const unordered: [string, TensorEntry][] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      Object.assign(metadata, parseMetadata(value, file));
    } else {
      unordered.push([name, parseEntry(name, value, file)]);
    }
  }
  // Files may list tensors in any order; the data section must still be covered exactly once, front to back.
  unordered.sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const [name, e] of unordered) {
    if (e.begin !== expectedBegin) {
      const problem = e.begin < expectedBegin ? 'overlaps the previous tensor' : 'leaves a gap after the previous tensor';
      throw badInput(`data_offsets [${e.begin}, ${e.end}] ${problem} (which ends at ${expectedBegin})`, { file, field: name });
    }
    const bytes = e.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[e.dtype]!;
    if (e.end - e.begin !== bytes) {
      throw badInput(
        `data_offsets [${e.begin}, ${e.end}] span ${e.end - e.begin} bytes but shape [${e.shape.join(', ')}] of ${e.dtype} needs ${bytes}`,
        { file, field: name },
      );
    }
    expectedBegin = e.end;
  }
  const dataStart = LENGTH_BYTES + headerLength;
  if (dataStart + expectedBegin !== size) {
    throw badInput(`tensors cover ${expectedBegin} bytes of data but the file holds ${size - dataStart} after the header`, { file });
  }
  return { file, metadata, entries: new Map(unordered), dataStart };
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badInput('must be an object of strings', { file, field: '__metadata__' });
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw badInput('metadata values must be strings', { file, field: `__metadata__.${key}` });
  }
  return value as Record<string, string>;
}

function parseEntry(name: string, value: unknown, file: string): TensorEntry {
  const where = { file, field: name };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badInput('tensor entry must be an object with dtype, shape and data_offsets', where);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw badInput(`unknown dtype ${JSON.stringify(dtype)}`, where);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw badInput('shape must be an array of non-negative integers', where);
  const [begin, end] = Array.isArray(offsets) && offsets.length === 2 ? offsets : [];
  if (!isCount(begin) || !isCount(end) || begin > end) {
    throw badInput('data_offsets must be [begin, end] with 0 <= begin <= end', where);
  }
  const elements = shape.reduce((a: number, b: number) => a * b, 1);
  if (!Number.isSafeInteger(elements * DTYPE_BYTES[dtype]!)) throw badInput('shape is too large', where);
  return { dtype, shape: [...shape], begin, end };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function readTensor(fd: number, file: string, name: string, entry: TensorEntry, dataStart: number): Tensor {
  if (!READABLE.includes(entry.dtype)) {
    throw badInput(`dtype ${entry.dtype} is not supported (readable: ${READABLE.join(', ')})`, { file, field: name });
  }
  const numel = entry.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(numel);
  const position = dataStart + entry.begin;
  if (entry.dtype === 'F32') {
    readExactly(fd, new Uint8Array(data.buffer), position, file);
    return { shape: [...entry.shape], data };
  }
  const convert = entry.dtype === 'BF16' ? bf16ToF32 : f16ToF32;
  const out = new Uint32Array(data.buffer);
  const scratch = new Uint16Array(Math.min(numel, SCRATCH_BYTES / 2));
  for (let start = 0; start < numel; start += scratch.length) {
    const count = Math.min(scratch.length, numel - start);
    const chunk = scratch.subarray(0, count);
    readExactly(fd, new Uint8Array(chunk.buffer, 0, count * 2), position + start * 2, file);
    convert(chunk, out.subarray(start, start + count));
  }
  return { shape: [...entry.shape], data };
}

function writeTensor(fd: number, data: Float32Array, dtype: WritableDtype): void {
  if (dtype === 'F32') {
    writeAll(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const scratch = new Uint16Array(Math.min(data.length, SCRATCH_BYTES / 2));
  for (let start = 0; start < data.length; start += scratch.length) {
    const count = Math.min(scratch.length, data.length - start);
    f32ToBf16(bits.subarray(start, start + count), scratch);
    writeAll(fd, new Uint8Array(scratch.buffer, 0, count * 2));
  }
}

function readExactly(fd: number, target: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < target.length) {
    const n = readSync(fd, target, done, Math.min(IO_CHUNK_BYTES, target.length - done), position + done);
    if (n === 0) throw badInput(`file ends early (wanted ${target.length} bytes at offset ${position})`, { file });
    done += n;
  }
}

function writeAll(fd: number, source: Uint8Array): void {
  let done = 0;
  while (done < source.length) {
    done += writeSync(fd, source, done, Math.min(IO_CHUNK_BYTES, source.length - done));
  }
}

function assertLittleEndianHost(): void {
  // Tensor bytes are little-endian and are viewed in place as typed arrays, which use the host's byte order.
  if (endianness() !== 'LE') throw new Error('safetensors I/O needs a little-endian host');
}
