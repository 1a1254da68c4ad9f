import { BLOCK_WASM_BASE64 } from './block-wasm-bytes.js';
import { A_AT, B_AT, C_AT, NC, WORKSPACE_FLOATS, type BlockKernel } from './layout.js';

// WebAssembly is a Node global, but its types ship only with TypeScript's DOM library, which this project does not
// load; these are the parts used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

interface BlockExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  block(mc: number, nc: number, kc: number, a: number, b: number, c: number, ldc: number): void;
}

const PAGE_BYTES = 65536;

/**
 * The block multiply in WebAssembly SIMD (native/sgemm_block.wat), about 5x the TypeScript one. Null where the
 * runtime cannot compile it (WebAssembly disabled, e.g. node --jitless, or no SIMD).
 */
export function createWasmBlockKernel(): BlockKernel | null {
  let exports: BlockExports;
  try {
    const module = new WebAssembly.Module(Buffer.from(BLOCK_WASM_BASE64, 'base64'));
    exports = new WebAssembly.Instance(module).exports as BlockExports;
  } catch {
    return null;
  }
  const { memory } = exports;
  // Grown once, before the view is taken: growing later would detach it.
  const needed = Math.ceil((WORKSPACE_FLOATS * 4) / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES;
  if (needed > 0) memory.grow(needed);
  const workspace = new Float32Array(memory.buffer, 0, WORKSPACE_FLOATS);
  return {
    name: 'wasm',
    workspace,
    block(mc, nc, kc) {
      exports.block(mc, nc, kc, A_AT * 4, B_AT * 4, C_AT * 4, NC);
    },
  };
}
