// Output rows queued as byte ranges of one arena and copied in C many at a time (native/byte_rows.c): a row is three
// constant separators and four ranges, sep0 p0 sep1 p1 sep2 p2 p3. Copying such short pieces from TypeScript costs a
// call into the runtime or a byte loop each; queued, a row costs nine integer stores. The caller reserves each row's
// place (ByteWriter.room) and must drain the queue before any of its bytes are read (a buffer written out) or any of
// its sources are overwritten (the next input chunk read in).
import { loadAddon, NATIVE_ADDON_PATH } from '../native/addon.js';

/** Entries per queued row: where it goes, then the start and end of its four ranges (native/byte_rows.h). */
const ROW_STRIDE = 9;
/** Rows queued before they are copied without being asked. */
const QUEUE_ROWS = 2048;

type AssembleRows = (arena: Uint8Array, separators: Int32Array, rows: Int32Array, count: number) => void;

function nativeAssembleRows(path: string, kernels: string | undefined): AssembleRows | null {
  if (kernels?.trim().toLowerCase() === 'portable') return null;
  const assemble = loadAddon(path).addon?.assembleRows;
  return typeof assemble === 'function' ? (assemble as AssembleRows) : null;
}

export class RowAssembler {
  private readonly rows = new Int32Array(QUEUE_ROWS * ROW_STRIDE);
  private count = 0;

  /**
   * An assembler for rows in `arena` whose separators are arena[separators[2i], separators[2i + 1]), or null without
   * the native addon (or with W2S_KERNELS=portable): then callers copy the pieces themselves.
   */
  static create(arena: Uint8Array, separators: Int32Array, path: string = NATIVE_ADDON_PATH, kernels = process.env.W2S_KERNELS): RowAssembler | null {
    const assemble = nativeAssembleRows(path, kernels);
    return assemble === null ? null : new RowAssembler(assemble, arena, separators);
  }

  private constructor(
    private readonly assemble: AssembleRows,
    private readonly arena: Uint8Array,
    private readonly separators: Int32Array,
  ) {
    if (separators.length !== 6) throw new RangeError('RowAssembler: three separators, as start/end pairs');
  }

  /** Queues a row at arena[at, ...): sep0, arena[s0, e0), sep1, arena[s1, e1), sep2, arena[s2, e2), arena[s3, e3). */
  push(at: number, s0: number, e0: number, s1: number, e1: number, s2: number, e2: number, s3: number, e3: number): void {
    if (this.count === QUEUE_ROWS) this.drain();
    const rows = this.rows;
    const i = this.count++ * ROW_STRIDE;
    rows[i] = at;
    rows[i + 1] = s0;
    rows[i + 2] = e0;
    rows[i + 3] = s1;
    rows[i + 4] = e1;
    rows[i + 5] = s2;
    rows[i + 6] = e2;
    rows[i + 7] = s3;
    rows[i + 8] = e3;
  }

  /** Copies every queued row into place. */
  drain(): void {
    if (this.count === 0) return;
    const count = this.count;
    this.count = 0;
    this.assemble(this.arena, this.separators, this.rows, count);
  }

  /** Forgets the queued rows (their output is being abandoned). */
  discard(): void {
    this.count = 0;
  }
}
