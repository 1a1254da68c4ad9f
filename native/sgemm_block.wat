;; The portable kernels' inner block in WebAssembly SIMD (assembled by scripts/build-wasm.mjs into
;; src/engine/kernels/block-wasm-bytes.ts).
;;
;; block(mc, nc, kc, a, b, c, ldc) computes Cblk = Apacked @ Bpacked for one cache block:
;;   Apacked: mc rows in slivers of 4 rows, each sliver kc steps of 4 floats (row i of the sliver at +4i bytes);
;;   Bpacked: nc columns in slivers of 8 columns, each sliver kc steps of 8 floats;
;;   Cblk:    row-major with row stride ldc floats; every 4 x 8 tile is written whole, so Cblk must have room for
;;            mc and nc rounded up to 4 and 8 (the caller reads back only the mc x nc it asked for).
;; a, b and c are byte offsets into the exported memory; kc >= 1, mc >= 1, nc >= 1.
;; A 4 x 8 tile of C is held in eight f32x4 registers across the whole kc loop: per step, two loads of B, four
;; broadcasts of A, eight multiply-adds (64 flops).
(module
  (memory (export "memory") 1)
  (func (export "block")
    (param $mc i32) (param $nc i32) (param $kc i32) (param $a i32) (param $b i32) (param $c i32) (param $ldc i32)
    (local $ir i32) (local $jr i32) (local $p i32) (local $ap i32) (local $bp i32) (local $cp i32) (local $rowBytes i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128)
    (local.set $rowBytes (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $jr (i32.const 0))
    (loop $columnSlivers
      (local.set $ir (i32.const 0))
      (loop $rowSlivers
        (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
        (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
        (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
        (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
        ;; The slivers start at ir * kc and jr * kc floats.
        (local.set $ap (i32.add (local.get $a) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2))))
        (local.set $bp (i32.add (local.get $b) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2))))
        (local.set $p (local.get $kc))
        (loop $steps
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $av (v128.load32_splat (local.get $ap)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $av (v128.load32_splat offset=4 (local.get $ap)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $av (v128.load32_splat offset=8 (local.get $ap)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $av (v128.load32_splat offset=12 (local.get $ap)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
          (br_if $steps (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))
        ;; Tile origin: row ir, column jr of Cblk.
        (local.set $cp (i32.add (local.get $c)
          (i32.add (i32.mul (local.get $ir) (local.get $rowBytes)) (i32.shl (local.get $jr) (i32.const 2)))))
        (v128.store (local.get $cp) (local.get $c00)) (v128.store offset=16 (local.get $cp) (local.get $c01))
        (local.set $cp (i32.add (local.get $cp) (local.get $rowBytes)))
        (v128.store (local.get $cp) (local.get $c10)) (v128.store offset=16 (local.get $cp) (local.get $c11))
        (local.set $cp (i32.add (local.get $cp) (local.get $rowBytes)))
        (v128.store (local.get $cp) (local.get $c20)) (v128.store offset=16 (local.get $cp) (local.get $c21))
        (local.set $cp (i32.add (local.get $cp) (local.get $rowBytes)))
        (v128.store (local.get $cp) (local.get $c30)) (v128.store offset=16 (local.get $cp) (local.get $c31))
        (br_if $rowSlivers (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc))))
      (br_if $columnSlivers (i32.lt_u (local.tee $jr (i32.add (local.get $jr) (i32.const 8))) (local.get $nc))))))
