/**
 * exp(x) for the softmax, SiLU and cross-entropy loops, about twice as fast as Math.exp in V8 and accurate to 2e-9
 * relative (far below float32 rounding, so results agree with Math.exp to float32 precision):
 * exp(x) = 2^n * e^r with n = round(x / ln 2), |r| <= ln(2) / 2, e^r by a degree-6 near-minimax polynomial
 * with constant term 1 so that exp(0) = 1 exactly
 * (evaluated in Estrin's scheme for a short dependency chain), 2^n from a table. Results below 2^-150 are 0 and
 * above 2^128 are Infinity, as in float32.
 */
const LOG2E = 1.4426950408889634;
const LN2 = 0.6931471805599453;
/** Adding and subtracting 1.5 * 2^52 rounds a double to the nearest integer without a call. */
const ROUND = 6755399441055744.0;
const POW2_MIN = -150;
const POW2 = new Float64Array(129 - POW2_MIN);
for (let i = 0; i < POW2.length; i++) POW2[i] = 2 ** (i + POW2_MIN);

export function fastExp(x: number): number {
  const t = x * LOG2E;
  if (t < POW2_MIN) return 0;
  if (t > 128) return Infinity;
  const n = t + ROUND - ROUND;
  const r = (t - n) * LN2;
  const r2 = r * r;
  const p =
    1 +
    r * 1.0000000321653293 +
    r2 * (0.4999999420900904 + r * 0.16666431261330322 + r2 * (0.04166800203927509 + r * 0.008374155421360205 + r2 * 0.001384365364989525));
  return p * POW2[n - POW2_MIN]!;
}
