// ByteWriter in place and with the I/O thread: the same bytes in the same order, whatever the piece sizes
// (pieces larger than the buffer are written directly, after what is buffered); a failed write surfaces as an error
// with its code, and an abandoned writer waits for the thread before closing its file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Arena, ByteWriter } from '../../src/io/byte-writer.js';
import { IoThread } from '../../src/io/io-thread.js';
import { parityRequired } from '../helpers/hf-python.js';

const dir = mkdtempSync(join(tmpdir(), 'w2s-byte-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BUFFER = 64;
const threaded = IoThread.available();
const modes = threaded ? [false, true] : [false];

/** A writer over an arena holding the constant pieces; with `threaded`, a thread writes its buffers. */
function open(path: string, constants: Buffer[], threaded: boolean): { out: ByteWriter; at: Int32Array; thread: IoThread | null } {
  const arena = new Arena(Arena.sizeOf(constants) + ByteWriter.regions(threaded) * BUFFER);
  const at = arena.constants(constants);
  const thread = threaded ? IoThread.start(arena.bytes) : null;
  if (threaded) expect(thread).not.toBeNull();
  return { out: new ByteWriter(path, arena, BUFFER, thread), at, thread };
}

describe('ByteWriter', () => {
  it.each(modes)('writes every piece in order, small and larger than its buffer (I/O thread %s)', (threaded) => {
    let file = 0;
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3 * BUFFER }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ constant: fc.boolean(), piece: fc.nat(), bytes: fc.uint8Array({ maxLength: 3 * BUFFER }), room: fc.nat(2 * BUFFER) }), { maxLength: 60 }),
        (constants, steps) => {
          const pieces = constants.map((c) => Buffer.from(c));
          const path = join(dir, `out-${threaded}-${file++}`);
          const { out, at, thread } = open(path, pieces, threaded);
          const expected: Buffer[] = [];
          for (const step of steps) {
            if (step.constant) {
              const k = step.piece % pieces.length;
              out.putConstant(at[k] as number, at[k + 1] as number);
              expected.push(pieces[k] as Buffer);
            } else if (step.room <= BUFFER && step.bytes.length <= step.room) {
              // Filling reserved room in place, as score's row assembly does.
              const position = out.room(step.room);
              out.arena.set(step.bytes, position);
              out.wrote(step.bytes.length);
              expected.push(Buffer.from(step.bytes));
            } else {
              out.put(step.bytes, 0, step.bytes.length);
              expected.push(Buffer.from(step.bytes));
            }
          }
          out.close();
          thread?.stop();
          expect(readFileSync(path).equals(Buffer.concat(expected))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each(modes)('reports a failed write with its code, and can then be abandoned (I/O thread %s)', (threaded) => {
    const { out, thread } = open('/dev/full', [], threaded);
    const bytes = Buffer.alloc(5 * BUFFER, 0x61);
    let error: unknown;
    try {
      for (let k = 0; k < 5; k++) out.put(bytes, k * BUFFER, (k + 1) * BUFFER);
      out.close();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ENOSPC', message: expect.stringMatching(/^ENOSPC: no space left on device/) });
    expect(() => out.discard()).not.toThrow();
    thread?.stop();
  });
});

describe('I/O thread', () => {
  if (!threaded) {
    if (parityRequired) it('is built (W2S_PARITY=require)', () => expect(IoThread.available()).toBe(true));
    else it.skip('skipped: the native addon is absent or predates the I/O thread', () => {});
    return;
  }

  it('refuses regions outside its arena and use after stop', () => {
    const arena = Buffer.alloc(16);
    const thread = IoThread.start(arena) as IoThread;
    expect(() => thread.write(1, 0, 17)).toThrow(/arena needs 17 elements/);
    expect(() => thread.write(1, 8, 4)).toThrow(/start is after end/);
    thread.stop();
    expect(() => thread.write(1, 0, 1)).toThrow(/has been stopped/);
  });

  it('is not used when W2S_KERNELS=portable', () => {
    expect(IoThread.available(undefined, 'portable')).toBe(false);
    expect(IoThread.start(Buffer.alloc(16), undefined, 'portable')).toBeNull();
  });
});
