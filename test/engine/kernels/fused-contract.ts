/**
 * The fused kernels of the Kernels interface (everything but sgemm) as a test suite: an implementation must agree
 * with a reference implementation (the TypeScript loops of src/engine/layers/ and optim.ts, which the gradient checks
 * and the PyTorch parity tests verify) to float32 accuracy, write every element it owns, and leave every other one
 * alone.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import type { Kernels } from '../../../src/engine/kernels/types.js';
import type { AttentionView } from '../../../src/engine/layers/attention.js';
import { ropeTable } from '../../../src/engine/layers/rope.js';

/** A sentinel written around and inside outputs: any element a kernel must not touch keeps it. */
const SENTINEL = -12345.5;

function randoms(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

/** max |ours - ref| / max(max |ref|, floor): per-array relative error. */
function relError(ours: Float32Array, ref: Float32Array, floor = 1e-30): number {
  expect(ours.length).toBe(ref.length);
  let diff = 0;
  let mag = floor;
  for (let i = 0; i < ref.length; i++) {
    if (Object.is(ours[i], ref[i])) continue;
    if (!Number.isFinite(ours[i]!) || !Number.isFinite(ref[i]!)) return Infinity;
    diff = Math.max(diff, Math.abs(ours[i]! - ref[i]!));
  }
  for (let i = 0; i < ref.length; i++) if (Number.isFinite(ref[i]!)) mag = Math.max(mag, Math.abs(ref[i]!));
  return diff / mag;
}

/** Runs `op` on copies of the same inputs through both implementations and returns the copies. */
function both<T extends Float32Array[]>(kernels: Kernels, reference: Kernels, make: () => T, op: (k: Kernels, arrays: T) => number | void) {
  const ours = make();
  const ref = ours.map((a) => a.slice()) as T;
  const oursResult = op(kernels, ours);
  const refResult = op(reference, ref);
  return { ours, ref, oursResult, refResult };
}

function expectClose(ours: Float32Array[], ref: Float32Array[], tol: number, what: string): void {
  ours.forEach((a, i) => {
    const err = relError(a, ref[i]!);
    if (!(err <= tol)) expect.fail(`${what}: array ${i} differs from the reference by ${err} relative (> ${tol})`);
  });
}

/** The training layout's attention view over one (B * T, W) qkv matrix. */
function trainingView(qkv: Float32Array, B: number, T: number, Hq: number, Hkv: number, hd: number): AttentionView {
  const Dq = Hq * hd;
  const W = Dq + 2 * Hkv * hd;
  return { B, Tq: T, past: 0, Hq, Hkv, hd, q: qkv, qLd: W, k: qkv, kOff: Dq, kLd: W, kRows: T, v: qkv, vOff: Dq + Hkv * hd, padLeft: null };
}

export function fusedContract(kernels: Kernels, reference: Kernels): void {
  describe(`${kernels.name} fused kernels agree with ${reference.name}`, () => {
    it('rmsnormForward: outputs and 1/rms on odd and vector-sized widths, weights at an offset', () => {
      const rng = new Rng('rmsnorm-forward');
      for (const [N, C] of [[1, 1], [3, 5], [7, 16], [5, 37], [33, 128], [2, 300]] as const) {
        const wOff = rng.int(5);
        const inp = randoms(rng, N * C + 3, 3);
        const weight = randoms(rng, wOff + C + 2, 2);
        const { ours, ref } = both(kernels, reference, () => [new Float32Array(N * C + 4).fill(SENTINEL), new Float32Array(N + 2).fill(SENTINEL)], (k, [out, rstd]) =>
          k.rmsnormForward(out!, rstd!, inp, weight, wOff, N, C, 1e-5),
        );
        expectClose(ours, ref, 2e-6, `N ${N} C ${C}`);
        expect(ours[0]!.subarray(N * C).every((x) => x === SENTINEL)).toBe(true);
        expect(ours[1]!.subarray(N).every((x) => x === SENTINEL)).toBe(true);
      }
    });

    it('rmsnormBackward: adds into dinp and dweight (or skips dweight when null)', () => {
      const rng = new Rng('rmsnorm-backward');
      for (const [N, C] of [[1, 1], [4, 7], [9, 16], [17, 130]] as const) {
        const wOff = rng.int(4);
        const inp = randoms(rng, N * C, 2);
        const weight = randoms(rng, wOff + C, 2);
        const rstd = Float32Array.from({ length: N }, () => 0.5 + rng.next());
        const dout = randoms(rng, N * C);
        for (const withWeight of [true, false]) {
          const { ours, ref } = both(kernels, reference, () => [randoms(new Rng(N * C), N * C), randoms(new Rng(C), wOff + C + 2)], (k, [dinp, dweight]) =>
            k.rmsnormBackward(dinp!, withWeight ? dweight! : null, dout, inp, weight, wOff, rstd, N, C),
          );
          expectClose(ours, ref, 4e-6, `N ${N} C ${C} dweight ${withWeight}`);
          if (!withWeight) expect(ours[1]).toEqual(randoms(new Rng(C), wOff + C + 2));
        }
      }
    });

    it('swigluForward and swigluBackward, including saturated gates (|g| up to 120)', () => {
      const rng = new Rng('swiglu');
      for (const [N, I] of [[1, 1], [3, 7], [5, 16], [9, 344]] as const) {
        const gateUp = randoms(rng, 2 * N * I, 8);
        for (let i = 0; i < gateUp.length; i += 11) gateUp[i] = (rng.next() * 2 - 1) * 120;
        const fwd = both(kernels, reference, () => [new Float32Array(N * I + 2).fill(SENTINEL), new Float32Array(N * I + 2).fill(SENTINEL)], (k, [h, sig]) =>
          k.swigluForward(h!, sig!, gateUp, N, I),
        );
        expectClose(fwd.ours, fwd.ref, 2e-6, `forward N ${N} I ${I}`);
        expect(fwd.ours[0]!.subarray(N * I)).toEqual(new Float32Array(2).fill(SENTINEL));
        const sig = fwd.ref[1]!;
        const dh = randoms(rng, N * I);
        const bwd = both(kernels, reference, () => [new Float32Array(2 * N * I + 3).fill(SENTINEL)], (k, [dgu]) => k.swigluBackward(dgu!, dh, gateUp, sig, N, I));
        expectClose(bwd.ours, bwd.ref, 2e-6, `backward N ${N} I ${I}`);
        expect(bwd.ours[0]!.subarray(2 * N * I)).toEqual(new Float32Array(3).fill(SENTINEL));
      }
    });

    it('ropeForward and ropeBackward rotate only their columns, and backward undoes forward', () => {
      const rng = new Rng('rope');
      for (const [N, heads, hd, col0, pad] of [[1, 1, 2, 0, 0], [5, 3, 8, 2, 3], [12, 6, 32, 0, 0], [7, 2, 64, 64, 5]] as const) {
        const ld = col0 + heads * hd + pad;
        const table = ropeTable(40, hd, 10000);
        const pos = Int32Array.from({ length: N }, () => rng.int(40));
        const x = randoms(rng, N * ld);
        const fwd = both(kernels, reference, () => [x.slice()], (k, [y]) => k.ropeForward(y!, ld, col0, heads, hd, pos, N, table));
        expectClose(fwd.ours, fwd.ref, 1e-6, `forward N ${N} hd ${hd}`);
        for (let n = 0; n < N; n++) {
          for (let c = 0; c < ld; c++) {
            if (c < col0 || c >= col0 + heads * hd) expect(fwd.ours[0]![n * ld + c]).toBe(x[n * ld + c]);
          }
        }
        const bwd = both(kernels, reference, () => [fwd.ref[0]!.slice()], (k, [y]) => k.ropeBackward(y!, ld, col0, heads, hd, pos, N, table));
        expectClose(bwd.ours, bwd.ref, 1e-6, `backward N ${N} hd ${hd}`);
        expect(relError(bwd.ours[0]!, x)).toBeLessThan(1e-6);
      }
    });

    it('crossEntropy: loss and gradient rows on small and large vocabularies, logits untouched without backward', () => {
      const rng = new Rng('cross-entropy');
      for (const [m, V, scale] of [[1, 1, 1], [3, 2, 5], [4, 17, 30], [6, 2113, 4], [2, 50, 200]] as const) {
        const logits = randoms(rng, m * V + 3, scale);
        const targets = Int32Array.from({ length: m }, () => rng.int(V));
        const coefs = Float32Array.from({ length: m }, () => rng.next());
        for (const backward of [false, true]) {
          const r = both(kernels, reference, () => [logits.slice()], (k, [z]) => k.crossEntropy(z!, m, V, targets, coefs, backward));
          expect(Math.abs((r.oursResult as number) - (r.refResult as number))).toBeLessThanOrEqual(2e-6 * Math.abs(r.refResult as number) + 1e-7);
          if (backward) {
            expectClose(r.ours, r.ref, 2e-6, `m ${m} V ${V}`);
            expect(r.ours[0]!.subarray(m * V)).toEqual(logits.subarray(m * V));
          } else {
            expect(r.ours[0]).toEqual(logits);
          }
        }
      }
    });

    it('attentionForward, training layout: outputs, log-sum-exp and kept probabilities over several blocks, grouped KV heads', () => {
      const rng = new Rng('attention-forward');
      for (const [B, T, Hq, Hkv, hd] of [[1, 1, 1, 1, 2], [2, 5, 4, 2, 8], [2, 33, 4, 4, 16], [1, 70, 4, 2, 32]] as const) {
        const W = (Hq + 2 * Hkv) * hd;
        const qkv = randoms(rng, B * T * W, 2);
        for (const keep of [false, true]) {
          const r = both(
            kernels,
            reference,
            () => [new Float32Array(B * T * Hq * hd).fill(SENTINEL), new Float32Array(B * Hq * T).fill(SENTINEL), new Float32Array((keep ? B * Hq : 1) * T * T)],
            (k, [out, lse, scores]) => k.attentionForward(out!, trainingView(qkv, B, T, Hq, Hkv, hd), lse!, scores!, keep),
          );
          expectClose(r.ours.slice(0, 2), r.ref.slice(0, 2), 1e-5, `B ${B} T ${T} keep ${keep}`);
          if (keep) {
            // Kept probabilities: every causal entry of every row.
            for (let row = 0; row < B * Hq * T; row++) {
              const i = row % T;
              const at = row * T;
              const err = relError(r.ours[2]!.subarray(at, at + i + 1), r.ref[2]!.subarray(at, at + i + 1), 1);
              if (!(err <= 1e-6)) expect.fail(`probability row ${row} differs by ${err}`);
            }
          }
        }
      }
    });

    it('attentionForward, generation layout: cached keys at an offset, past positions, left padding, no log-sum-exp', () => {
      const rng = new Rng('attention-cache');
      for (const [B, Tq, past, Hq, Hkv, hd] of [[3, 1, 9, 4, 2, 8], [2, 4, 0, 2, 1, 16], [2, 3, 40, 4, 4, 8]] as const) {
        const cap = past + Tq + 3;
        const Dkv = Hkv * hd;
        const kLd = Dkv + 2;
        const q = randoms(rng, B * Tq * Hq * hd + 5, 2);
        const kv = randoms(rng, 7 + B * cap * kLd, 2);
        const padLeft = Int32Array.from({ length: B }, (_, b) => (b === 0 ? 0 : rng.int(past + 1)));
        const view: AttentionView = { B, Tq, past, Hq, Hkv, hd, q, qLd: Hq * hd, k: kv, kOff: 7, kLd, kRows: cap, v: kv, vOff: 7 + Dkv / 2, padLeft };
        const r = both(kernels, reference, () => [new Float32Array(B * Tq * Hq * hd).fill(SENTINEL), new Float32Array(Tq * (past + Tq))], (k, [out, scores]) =>
          k.attentionForward(out!, view, null, scores!, false),
        );
        expectClose(r.ours.slice(0, 1), r.ref.slice(0, 1), 1e-5, `B ${B} Tq ${Tq} past ${past}`);
      }
    });

    it('attentionBackward: every gradient column of q, k and v, probabilities kept or rebuilt, grouped KV heads', () => {
      const rng = new Rng('attention-backward');
      for (const [B, T, Hq, Hkv, hd] of [[1, 1, 1, 1, 2], [2, 5, 4, 2, 8], [1, 33, 2, 2, 16], [2, 70, 4, 2, 8]] as const) {
        const Dq = Hq * hd;
        const W = (Hq + 2 * Hkv) * hd;
        const qkv = randoms(rng, B * T * W, 2);
        const datt = randoms(rng, B * T * Dq);
        for (const kept of [false, true]) {
          const view = trainingView(qkv, B, T, Hq, Hkv, hd);
          const att = new Float32Array(B * T * Dq);
          const lse = new Float32Array(B * Hq * T);
          const probs = new Float32Array((kept ? B * Hq : 1) * T * T);
          reference.attentionForward(att, view, lse, probs, kept);
          const r = both(
            kernels,
            reference,
            // NaN in dqkv: every element must be written, none read.
            () => [new Float32Array(B * T * W).fill(Number.NaN), probs.slice(), new Float32Array(Math.min(T, 32) * T)],
            (k, [dqkv, p, dprobs]) => k.attentionBackward(dqkv!, datt, att, view, lse, p!, kept, dprobs!),
          );
          expectClose(r.ours.slice(0, 1), r.ref.slice(0, 1), 2e-5, `B ${B} T ${T} kept ${kept}`);
        }
      }
    });

    it('adamwUpdate: parameters and both moments over several steps, only inside the segment', () => {
      const rng = new Rng('adamw');
      const n = 1000;
      const offset = 13;
      const size = 901;
      const init = [randoms(rng, n), randoms(rng, n, 0.01), new Float32Array(n), new Float32Array(n)];
      const r = both(kernels, reference, () => init.map((a) => a.slice()) as [Float32Array, Float32Array, Float32Array, Float32Array], (k, [p, g, m, v]) => {
        for (let t = 1; t <= 5; t++) {
          for (let i = 0; i < n; i++) g![i] = Math.sin(i * t) * 0.01;
          const lr = 1e-3;
          k.adamwUpdate(p!, g!, m!, v!, offset, size, 0.9, 0.999, 1e-8, 1 - lr * 0.01, lr / (1 - 0.9 ** t), Math.sqrt(1 - 0.999 ** t));
        }
      });
      expectClose(r.ours, r.ref, 1e-6, 'adamw');
      for (const i of [0, offset - 1, offset + size, n - 1]) expect(r.ours[0]![i]).toBe(init[0]![i]);
    });

    it('dropoutMask: the same keep-mask and bits as the reference (the stream of new Rng(seed)), only inside [offset, offset + n)', () => {
      const rng = new Rng('dropout-mask');
      for (const [n, p] of [[0, 0.05], [1, 0.05], [9, 0.5], [1003, 0.05], [8192, 0.3]] as const) {
        const offset = 3;
        const total = offset + n + 4;
        const x = randoms(rng, total, 2);
        const seed = rng.nextUint32();
        const keep = 1 / (1 - p);
        const run = (k: Kernels): { xd: Float32Array; mask: Uint8Array } => {
          const xd = new Float32Array(total).fill(SENTINEL);
          const mask = new Uint8Array(total).fill(7);
          k.dropoutMask(x, xd, mask, offset, n, seed, p * 4294967296, keep);
          return { xd, mask };
        };
        const ours = run(kernels);
        const ref = run(reference);
        expect(ours.mask).toEqual(ref.mask);
        expect(ours.xd).toEqual(ref.xd);
        const draws = new Rng(seed);
        let kept = 0;
        for (let i = 0; i < total; i++) {
          if (i < offset || i >= offset + n) {
            expect([ours.xd[i], ours.mask[i]]).toEqual([SENTINEL, 7]);
            continue;
          }
          const k = draws.nextUint32() >= p * 4294967296 ? 1 : 0;
          expect(ours.mask[i]).toBe(k);
          expect(ours.xd[i]).toBe(k ? Math.fround(x[i]! * keep) : 0);
          kept += k;
        }
        if (n >= 1000) expect(Math.abs(kept / n - (1 - p))).toBeLessThan(0.03);
      }
    });

    it('dropoutMasks: each sequence the keep-mask and bits of dropoutMask with its own seed, nothing past the last', () => {
      const rng = new Rng('dropout-masks');
      // Counts around the eight streams drawn at once, lengths around a chunk of 256 steps; p = 0 keeps all, p = 1 none.
      for (const [count, n, p] of [[0, 5, 0.05], [1, 1, 0.05], [7, 33, 0.5], [8, 300, 0.05], [9, 256, 0.3], [17, 600, 0.05], [8, 40, 0], [9, 40, 1]] as const) {
        const total = count * n + 4;
        const x = randoms(rng, total, 2);
        const seeds = Uint32Array.from({ length: count }, () => rng.nextUint32());
        const keep = p < 1 ? 1 / (1 - p) : 1;
        const ours = { xd: new Float32Array(total).fill(SENTINEL), mask: new Uint8Array(total).fill(7) };
        kernels.dropoutMasks(x, ours.xd, ours.mask, n, seeds, p * 4294967296, keep);
        const ref = { xd: new Float32Array(total).fill(SENTINEL), mask: new Uint8Array(total).fill(7) };
        for (let b = 0; b < count; b++) reference.dropoutMask(x, ref.xd, ref.mask, b * n, n, seeds[b]!, p * 4294967296, keep);
        expect(ours.mask).toEqual(ref.mask);
        expect(ours.xd).toEqual(ref.xd);
        const kept = ours.mask.subarray(0, count * n).reduce((sum, k) => sum + k, 0);
        if (p === 0) expect(kept).toBe(count * n);
        if (p === 1) expect(kept).toBe(0);
      }
    });

    it('dropoutApply: the same bits as the reference, set or added where the mask keeps, only inside [offset, offset + n)', () => {
      const rng = new Rng('dropout-apply');
      for (const n of [0, 1, 7, 33, 1003]) {
        const offset = 2;
        const total = offset + n + 3;
        const src = randoms(rng, total, 3);
        const init = randoms(rng, total, 3);
        const mask = Uint8Array.from({ length: total }, () => (rng.next() < 0.7 ? 1 : 0));
        const keep = 1 / (1 - 0.3);
        for (const accumulate of [false, true]) {
          const [ours, ref] = [kernels, reference].map((k) => {
            const dst = init.slice();
            k.dropoutApply(dst, src, mask, offset, n, keep, accumulate);
            return dst;
          });
          expect(ours).toEqual(ref);
          for (let i = 0; i < total; i++) {
            const inside = i >= offset && i < offset + n;
            const expected = !inside ? init[i]! : accumulate ? (mask[i] ? Math.fround(init[i]! + src[i]! * keep) : init[i]!) : mask[i] ? Math.fround(src[i]! * keep) : 0;
            expect(ours![i]).toBe(expected);
          }
        }
      }
    });

    it('addSumSquares: the same bits as the reference, added and summed, only inside the size', () => {
      const rng = new Rng('add-sum-squares');
      for (const size of [0, 1, 7, 8, 9, 1003]) {
        const init = [randoms(rng, size + 5, 3), randoms(rng, size + 5, 3)];
        const added = both(kernels, reference, () => init.map((a) => a.slice()) as [Float32Array, Float32Array], (k, [dst, src]) =>
          k.addSumSquares(dst!, src!, size),
        );
        expect(added.ours[0]).toEqual(added.ref[0]);
        expect(added.oursResult).toBe(added.refResult);
        // Plain float32 addition and the sum of squares, to rounding.
        let sum = 0;
        for (let i = 0; i < size; i++) {
          expect(added.ours[0]![i]).toBe(Math.fround(init[0]![i]! + init[1]![i]!));
          sum += added.ours[0]![i]! ** 2;
        }
        expect(added.oursResult).toBeCloseTo(sum, 9);
        for (let i = size; i < size + 5; i++) expect(added.ours[0]![i]).toBe(init[0]![i]);
        const alone = both(kernels, reference, () => [init[0]!.slice()] as [Float32Array], (k, [dst]) => k.addSumSquares(dst!, null, size));
        expect(alone.ours[0]).toEqual(init[0]);
        expect(alone.oursResult).toBe(alone.refResult);
      }
    });
  });
}
