/*
 * 16-bit float formats <-> float32, on raw bit patterns (Uint16 in, Uint32 out and back) so NaN payloads and the sign
 * of zero survive: a round trip through JavaScript numbers would canonicalise NaNs.
 */

/** bfloat16 is the top half of a float32, so widening is exact. */
export function bf16ToF32(src: Uint16Array, dst: Uint32Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = src[i]! << 16;
}

/**
 * float32 -> bfloat16 with round-to-nearest-even, as PyTorch converts (c10::round_to_nearest_even): every NaN becomes
 * the quiet NaN 0x7FC0, finite values past the bfloat16 range round to infinity.
 */
export function f32ToBf16(src: Uint32Array, dst: Uint16Array): void {
  for (let i = 0; i < src.length; i++) {
    const bits = src[i]!;
    if ((bits & 0x7fffffff) > 0x7f800000) {
      dst[i] = 0x7fc0;
    } else {
      dst[i] = ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
    }
  }
}

/** float16 -> float32 bits for all 65536 inputs, built once: widening is exact, so a table is the whole algorithm. */
let f16Table: Uint32Array | undefined;

/** IEEE binary16 widening (exact, including subnormals, infinities and NaN payloads). */
export function f16ToF32(src: Uint16Array, dst: Uint32Array): void {
  const table = (f16Table ??= buildF16Table());
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]!]!;
}

function buildF16Table(): Uint32Array {
  const table = new Uint32Array(65536);
  const scratch = new Float32Array(1);
  const scratchBits = new Uint32Array(scratch.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0x1f) {
      table[h] = (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
    } else if (exponent !== 0) {
      // Rebias the exponent from 15 to 127.
      table[h] = (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
    } else {
      // Zero or subnormal: mantissa * 2^-24 is exact in float32.
      scratch[0] = mantissa * 2 ** -24;
      table[h] = (sign | scratchBits[0]!) >>> 0;
    }
  }
  return table;
}

/**
 * float32 -> IEEE binary16 with round-to-nearest-even (subnormals included): values from 65520 up become infinity,
 * every NaN becomes the quiet NaN of its sign (0x7E00).
 */
export function f32ToF16(src: Uint32Array, dst: Uint16Array): void {
  for (let i = 0; i < src.length; i++) {
    const bits = src[i]!;
    const sign = (bits >>> 16) & 0x8000;
    const abs = bits & 0x7fffffff;
    if (abs > 0x7f800000) {
      dst[i] = sign | 0x7e00;
    } else if (abs >= 0x47800000) {
      dst[i] = sign | 0x7c00;
    } else if (abs >= 0x38800000) {
      // Normal: rebias the exponent from 127 to 15 and round the 23-bit mantissa to 10 bits; a carry out of the
      // mantissa correctly bumps the exponent (up to infinity from 65520 on).
      dst[i] = sign | ((abs + 0xfff + ((abs >>> 13) & 1) - 0x38000000) >>> 13);
    } else {
      // Below 2^-14: a multiple of 2^-24, the mantissa (with its implicit bit) shifted right with rounding.
      const shift = 126 - (abs >>> 23);
      if (shift > 24) {
        dst[i] = sign;
      } else {
        const m = (abs & 0x7fffff) | 0x800000;
        const half = 1 << (shift - 1);
        const rest = m & ((1 << shift) - 1);
        let h = m >>> shift;
        if (rest > half || (rest === half && (h & 1) === 1)) h++;
        dst[i] = sign | h;
      }
    }
  }
}
