import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16 } from '../../../src/engine/formats/half.js';

const bitsOf = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const floatOf = (bits: number): number => new Float32Array(new Uint32Array([bits]).buffer)[0]!;
const toBf16 = (bits: number): number => {
  const out = new Uint16Array(1);
  f32ToBf16(new Uint32Array([bits]), out);
  return out[0]!;
};
const widenF16 = (h: number): number => {
  const out = new Uint32Array(1);
  f16ToF32(new Uint16Array([h]), out);
  return out[0]!;
};

describe('f16ToF32', () => {
  it('widens every float16 to the value IEEE binary16 defines', () => {
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      const got = floatOf(widenF16(h));
      if (e === 0x1f) {
        expect(m === 0 ? got === sign * Infinity : Number.isNaN(got)).toBe(true);
      } else {
        const expected = e === 0 ? sign * m * 2 ** -24 : sign * (1 + m / 1024) * 2 ** (e - 15);
        expect(Object.is(got, expected)).toBe(true);
      }
    }
  });

  it('keeps signed zeros, subnormals, infinities and NaN payloads bit-exactly', () => {
    expect(widenF16(0x8000)).toBe(0x80000000);
    expect(widenF16(0x0001)).toBe(bitsOf(2 ** -24));
    expect(widenF16(0x7c00)).toBe(0x7f800000);
    expect(widenF16(0xfc00)).toBe(0xff800000);
    expect(widenF16(0x7e00)).toBe(0x7fc00000);
    expect(widenF16(0x7c01)).toBe(0x7f802000);
  });
});

describe('bfloat16', () => {
  it('widens by placing the 16 bits on top', () => {
    const out = new Uint32Array(3);
    bf16ToF32(new Uint16Array([0x3f80, 0x8000, 0xff80]), out);
    expect([...out]).toEqual([0x3f800000, 0x80000000, 0xff800000]);
  });

  it('rounds to nearest, ties to even, like PyTorch', () => {
    expect(toBf16(bitsOf(1))).toBe(0x3f80);
    expect(toBf16(0x3f808000)).toBe(0x3f80); // tie, even stays
    expect(toBf16(0x3f818000)).toBe(0x3f82); // tie, odd rounds up
    expect(toBf16(0x3f808001)).toBe(0x3f81); // above the tie
    expect(toBf16(0x80000000)).toBe(0x8000);
    expect(toBf16(0x7f7fffff)).toBe(0x7f80); // largest float32 rounds to infinity
    expect(toBf16(0x7f800000)).toBe(0x7f80);
    expect(toBf16(0x7fc00001)).toBe(0x7fc0);
    expect(toBf16(0xffc00000)).toBe(0x7fc0);
  });

  it('picks the nearer of the two neighbouring bfloat16 values for any float32 within the bfloat16 range', () => {
    fc.assert(
      fc.property(fc.float({ min: Math.fround(-3.3e38), max: Math.fround(3.3e38), noNaN: true }), (x) => {
        const bits = bitsOf(x);
        const down = floatOf((bits & 0xffff0000) >>> 0);
        const up = floatOf(((bits & 0xffff0000) + 0x10000) >>> 0);
        const got = floatOf(toBf16(bits) << 16);
        const dGot = Math.abs(got - x);
        return got === down || got === up ? dGot <= Math.min(Math.abs(down - x), Math.abs(up - x)) : false;
      }),
    );
  });
});
