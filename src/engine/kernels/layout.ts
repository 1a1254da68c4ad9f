/*
 * The portable sgemm's blocking (GotoBLAS loop structure) and the workspace both block kernels share. A KC x NC
 * panel of op(B) and an MC x KC block of op(A) are packed into slivers in the order the block kernel reads them; the
 * block kernel writes the MC x NC product into the C block, which the driver adds into C.
 */

/** Rows of a register tile (one sliver of packed A). */
export const MR = 4;
/** Columns of a register tile (one sliver of packed B; two f32x4 vectors). */
export const NR = 8;
// Cache blocks: packed A (64 KiB) stays in L2, one B sliver (8 KiB) in L1; measured flat within 2x of these sizes.
export const KC = 256;
export const MC = 64;
export const NC = 512;

/** Where each part of the workspace starts, in floats: packed A, packed B, then the C block (row stride NC). */
export const A_AT = 0;
export const B_AT = A_AT + MC * KC;
export const C_AT = B_AT + KC * NC;
export const WORKSPACE_FLOATS = C_AT + MC * NC;

/** Multiplies one packed block: C block (mc x nc) = packed A (mc x kc) @ packed B (kc x nc). */
export interface BlockKernel {
  /** `wasm` or `js`, shown in the kernels' name. */
  readonly name: string;
  /** The whole workspace (WORKSPACE_FLOATS floats), laid out as above. */
  readonly workspace: Float32Array;
  /** Needs 1 <= mc <= MC, 1 <= nc <= NC, 1 <= kc <= KC; whole 4 x 8 tiles are written, padding included. */
  block(mc: number, nc: number, kc: number): void;
}
