// Scanning many answer lines per call in C (native/answer_scan.c): the lines the TypeScript scanner accepts (but for
// variants not written as plain digits), read into records of its layout, so that a file's lines cost one call per
// batch rather than one each.
import { loadAddon, NATIVE_ADDON_PATH } from '../native/addon.js';

/**
 * Scans consecutive lines of buffer[start, end) into `records` (as many as fit, RECORD_STRIDE entries each; layout in
 * answer-scanner.ts), stopping at the first line it does not accept: the number of lines scanned.
 */
export type AnswerLineBatchScan = (buffer: Uint8Array, start: number, end: number, records: Int32Array) => number;

/**
 * The native batch scanner, or null when the addon is not built (or W2S_KERNELS=portable asks for no native code):
 * then every line takes the TypeScript scanner, with the same results.
 */
export function nativeAnswerScan(path: string = NATIVE_ADDON_PATH, kernels = process.env.W2S_KERNELS): AnswerLineBatchScan | null {
  if (kernels?.trim().toLowerCase() === 'portable') return null;
  const scan = loadAddon(path).addon?.scanAnswerLines;
  return typeof scan === 'function' ? (scan as AnswerLineBatchScan) : null;
}
