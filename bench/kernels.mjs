#!/usr/bin/env node
// sgemm throughput (GFLOP/s) on the engine's shapes: the addon's own sgemm on every instruction set this CPU has
// (1 thread each, and the default one on all threads), OpenBLAS through the same addon where libopenblas is installed
// (1 and all threads), numpy's matmul (Debian numpy over OpenBLAS) and the portable kernels (block multiply in
// WebAssembly SIMD, and in TypeScript), all measured in the same run, in turns; beside the machine's fp32 peak from
// its instruction set and clock. Runs on the compiled dist/ (npm run build first). `--quick` measures fewer shapes.
// Prints a table and writes bench/results/kernels.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadNativeKernels } from '../dist/engine/kernels/native.js';
import { createJsBlockKernel } from '../dist/engine/kernels/block-js.js';
import { createPortableKernels, portableKernels } from '../dist/engine/kernels/portable.js';
import { describeKernels, kernelInfo } from '../dist/native/kernel-info.js';
import { pinOpenblasCore } from './openblas-core.js';

const here = dirname(fileURLToPath(import.meta.url));

// [label, transA, transB, M, N, K]. Tokens per batch 2048 = batch 16 x seq 128; d_model 256, MLP width 688
// (8/3 d rounded up to a multiple of 8), vocab 512, head dim 64: the reference config of the engine benchmark.
const SHAPES = [
  ['square 64', false, false, 64, 64, 64],
  ['square 128', false, false, 128, 128, 128],
  ['square 256', false, false, 256, 256, 256],
  ['square 512', false, false, 512, 512, 512],
  ['proj fwd x@W^T (d=128)', false, true, 2048, 128, 128],
  ['proj fwd x@W^T', false, true, 2048, 256, 256],
  ['mlp up fwd', false, true, 2048, 688, 256],
  ['mlp down fwd', false, true, 2048, 256, 688],
  ['lm head fwd', false, true, 2048, 512, 256],
  ['proj dX = dY@W', false, false, 2048, 256, 256],
  ['proj dW = dY^T@X', true, false, 256, 256, 2048],
  ['mlp dW = dY^T@X', true, false, 688, 256, 2048],
  ['attn scores q@k^T', false, true, 128, 128, 64],
  ['attn probs@v', false, false, 128, 64, 128],
  ['attn dQ^T-like T,T', true, true, 128, 64, 128],
  ['generate B=16 proj', false, true, 16, 256, 256],
  ['generate B=1 lm head', false, true, 1, 512, 256],
  // The suite's default strong model (d 128, MLP 344, vocab 2113) as each of the two training threads runs it: 400
  // tokens (batch 32 x seq 25, halved), and generation's batch of 64.
  ['default qkv fwd', false, true, 400, 384, 128],
  ['default mlp up fwd', false, true, 400, 688, 128],
  ['default lm head fwd', false, true, 400, 2113, 128],
  ['default lm head dX', false, false, 400, 128, 2113],
  ['default lm head dW', true, false, 2113, 128, 400],
  ['default attn q@k^T', false, true, 25, 25, 32],
  ['default generate lm head', false, true, 64, 2113, 128],
];
const QUICK = new Set(['square 256', 'mlp up fwd', 'proj dW = dY^T@X', 'attn scores q@k^T', 'generate B=16 proj', 'default lm head fwd', 'default lm head dW']);

/** Fills with a fixed pseudo-random sequence (the values do not affect speed, only need to be finite). */
function filled(n, seed) {
  const a = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    a[i] = x / 2 ** 32 - 0.5;
  }
  return a;
}

/**
 * FP32 multiply-adds per cycle per core, times two: two FMA pipes of the vector width (AMD's Zen 4 runs a 512-bit
 * FMA on both of its 256-bit pipes, so AVX-512 does not double it there); SSE2 has no FMA (one multiply, one add).
 */
function flopsPerCycle(isa, vendor) {
  if (isa === 'avx512') return vendor === 'AuthenticAMD' ? 32 : 64;
  if (isa === 'avx2') return 32;
  if (isa === 'neon') return 16;
  return 8;
}

/** The fp32 peak of `threads` cores from the instruction set and the clock (the highest the kernel reports). */
function peak(isa, threads) {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const vendor = /vendor_id\s*:\s*(\S+)/.exec(cpuinfo)?.[1] ?? 'unknown';
  const maxFile = '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq';
  const mhz = existsSync(maxFile)
    ? Number(readFileSync(maxFile, 'utf8')) / 1000
    : Math.max(0, ...[...cpuinfo.matchAll(/cpu MHz\s*:\s*([\d.]+)/g)].map((m) => Number(m[1])), ...cpus().map((c) => c.speed));
  const perCycle = flopsPerCycle(isa, vendor);
  return { isa, vendor, mhz, clock_source: existsSync(maxFile) ? 'cpufreq max' : 'cpu MHz (nominal; boost can exceed it)', flops_per_cycle: perCycle, threads, gflops: (mhz * perCycle * threads) / 1000 };
}

/** A timed batch for our kernels on one shape: runs `reps` products, returns seconds. */
function ourBatch(kernels, [, transA, transB, M, N, K], before = () => {}) {
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  const A = filled(M * K, 1);
  const B = filled(K * N, 2);
  const C = new Float32Array(M * N);
  return async (reps) => {
    before();
    const t = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) kernels.sgemm(transA, transB, M, N, K, 1, A, 0, lda, B, 0, ldb, 0, C, 0, N);
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
}

// numpy's side, a long-lived child so its batches can alternate with ours: matmul on (transposed views of) float32
// arrays into a preallocated output. One JSON request per line on stdin, one JSON answer per line on stdout.
const NUMPY_WORKER = String.raw`
import json, sys, time
import numpy as np
rng = np.random.default_rng(0)
product = None
for line in sys.stdin:
    request = json.loads(line)
    if request["op"] == "version":
        answer = {"numpy": np.__version__}
    elif request["op"] == "prepare":
        _, trans_a, trans_b, m, n, k = request["shape"]
        a = rng.random((k, m) if trans_a else (m, k), dtype=np.float32) - 0.5
        b = rng.random((n, k) if trans_b else (k, n), dtype=np.float32) - 0.5
        op_a, op_b, c = (a.T if trans_a else a), (b.T if trans_b else b), np.empty((m, n), dtype=np.float32)
        product = lambda: np.matmul(op_a, op_b, out=c)
        product()
        answer = {"ok": True}
    else:
        t = time.perf_counter()
        for _ in range(request["reps"]):
            product()
        answer = {"seconds": time.perf_counter() - t}
    print(json.dumps(answer), flush=True)
`;

/** Starts the numpy worker; resolves to null (with the reason printed) when python3 or numpy is missing. */
async function startNumpy(threads) {
  const child = spawn('/usr/bin/python3', ['-c', NUMPY_WORKER], {
    // numpy's OpenBLAS reads its thread count from the environment: give it the same as ours.
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.on('error', (error) => (stderr += error.message));
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (request) => {
    child.stdin.write(`${JSON.stringify(request)}\n`);
    const { value, done } = await answers.next();
    if (done) throw new Error(stderr.trim().split('\n').pop() || 'python3 exited');
    return JSON.parse(value);
  };
  try {
    const { numpy } = await ask({ op: 'version' });
    return { version: numpy, ask, close: () => child.stdin.end() };
  } catch (error) {
    console.log(`numpy: unavailable (${error.message})`);
    return null;
  }
}

/**
 * Best GFLOP/s of each contestant on one shape. Batches are calibrated to >= minSeconds, then the contestants take
 * turns, round after round, so a change in the machine's load hits all of them alike.
 */
async function race(contestants, flops, minSeconds, rounds) {
  const reps = [];
  for (const { batch } of contestants) {
    let n = 1;
    while ((await batch(n)) < minSeconds) n *= 2;
    reps.push(n);
  }
  const best = contestants.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (let c = 0; c < contestants.length; c++) {
      const seconds = await contestants[c].batch(reps[c]);
      best[c] = Math.max(best[c], (flops * reps[c]) / seconds / 1e9);
    }
  }
  return Object.fromEntries(contestants.map(({ key }, c) => [key, best[c]]));
}

const fmt = (x) => (x === undefined ? '-' : x.toFixed(1));
const ratio = (a, b) => (a === undefined || b === undefined ? '-' : (a / b).toFixed(2));

export async function run(flags) {
  const quick = flags.includes('--quick');
  const shapes = quick ? SHAPES.filter(([label]) => QUICK.has(label)) : SHAPES;
  const minSeconds = quick ? 0.05 : 0.1;
  const rounds = quick ? 3 : 5;
  const openblasCore = pinOpenblasCore();
  const native = loadNativeKernels();
  const k = native.kernels;
  const info = k?.info();
  const threads = info?.threads ?? Number(process.env.OPENBLAS_NUM_THREADS ?? 2);
  const openblas = k ? k.setSgemm('openblas') === null : false;
  k?.setSgemm('w2s');
  const portableJs = createPortableKernels(createJsBlockKernel());
  const numpy = await startNumpy(threads);
  const loadBefore = loadavg()[0];

  /** Our sgemm with `isa` (or OpenBLAS) on `n` threads, set before each batch (the contestants take turns). */
  const setting = (sgemm, isa, n) => () => {
    k.setSgemm(sgemm);
    if (isa) k.setIsa(isa);
    k.setThreads(n);
  };
  const columns = [];
  if (k) {
    for (const isa of info.isas) columns.push({ key: `w2s_${isa}_1t`, label: `${isa} 1t`, before: setting('w2s', isa, 1) });
    columns.push({ key: 'w2s', label: `${info.isa} ${threads}t`, before: setting('w2s', info.isa, threads) });
    if (openblas) {
      columns.push({ key: 'openblas_1t', label: 'OpenBLAS 1t', before: setting('openblas', null, 1) });
      columns.push({ key: 'openblas', label: `OpenBLAS ${threads}t`, before: setting('openblas', null, threads) });
    }
  }

  const rows = [];
  for (const shape of shapes) {
    const [label, transA, transB, M, N, K] = shape;
    const contestants = columns.map((c) => ({ key: c.key, batch: ourBatch(k, shape, c.before) }));
    if (numpy) {
      await numpy.ask({ op: 'prepare', shape });
      contestants.push({ key: 'numpy', batch: async (reps) => (await numpy.ask({ op: 'time', reps })).seconds });
    }
    contestants.push({ key: 'portable', batch: ourBatch(portableKernels, shape) });
    if (!quick) contestants.push({ key: 'portable_js', batch: ourBatch(portableJs, shape) });
    rows.push({ label, transA, transB, M, N, K, ...(await race(contestants, 2 * M * N * K, minSeconds, rounds)) });
  }
  if (k) setting('w2s', info.isa, threads)();
  numpy?.close();
  const loadAfter = loadavg()[0];

  const peaks = k ? { one_thread: peak(info.isa, 1), all_threads: peak(info.isa, threads) } : null;
  console.log(k ? `native: ${describeKernels(kernelInfo())}; instruction sets here: ${info.isas.join(', ')}` : `native: absent (${native.reason})`);
  if (openblas) console.log(`OpenBLAS (W2S_SGEMM=openblas): ${k.info().openblas.config}, core ${k.info().openblas.core}`);
  if (numpy) console.log(`numpy ${numpy.version}, OPENBLAS_NUM_THREADS=${threads}`);
  if (peaks) {
    const p = peaks.one_thread;
    console.log(`fp32 peak (${p.isa}, ${p.flops_per_cycle} flop/cycle, ${p.mhz.toFixed(0)} MHz ${p.clock_source}): ${p.gflops.toFixed(0)} GFLOP/s per core, ${peaks.all_threads.gflops.toFixed(0)} on ${threads}`);
  }
  console.log(`GFLOP/s, best of ${rounds} interleaved batches; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`);
  const header = ['shape', 'op', 'M x N x K', ...columns.map((c) => c.label), ...(openblas ? ['w2s/OB 1t', `w2s/OB ${threads}t`] : []), ...(peaks ? ['% peak 1t'] : []), 'numpy', 'portable', ...(quick ? [] : ['portable-js'])];
  const table = rows.map((r) => [
    r.label, `${r.transA ? 'T' : 'N'}${r.transB ? 'T' : 'N'}`, `${r.M}x${r.N}x${r.K}`,
    ...columns.map((c) => fmt(r[c.key])),
    ...(openblas ? [ratio(r[`w2s_${info.isa}_1t`], r.openblas_1t), ratio(r.w2s, r.openblas)] : []),
    ...(peaks ? [((100 * r[`w2s_${info.isa}_1t`]) / peaks.one_thread.gflops).toFixed(0)] : []),
    fmt(r.numpy), fmt(r.portable), ...(quick ? [] : [fmt(r.portable_js)]),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((t) => t[c].length)));
  for (const line of [header, ...table]) console.log(line.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  // Geometric means over the shapes: one number per comparison.
  const geomean = (a, b) => Math.exp(rows.reduce((s, r) => s + Math.log(r[a] / r[b]), 0) / rows.length);
  const summary = openblas ? { w2s_over_openblas_1t: geomean(`w2s_${info.isa}_1t`, 'openblas_1t'), w2s_over_openblas: geomean('w2s', 'openblas') } : {};
  if (openblas) console.log(`geometric mean over the shapes, ours / OpenBLAS: ${summary.w2s_over_openblas_1t.toFixed(2)} on 1 thread, ${summary.w2s_over_openblas.toFixed(2)} on ${threads}`);

  mkdirSync(join(here, 'results'), { recursive: true });
  const result = {
    kernels: kernelInfo(),
    isas: info?.isas ?? [],
    openblas: openblas ? k.info().openblas : null,
    openblas_core: openblasCore,
    portable: portableKernels.name,
    numpy: numpy?.version ?? null,
    cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    peak: peaks,
    threads,
    load_average: [loadBefore, loadAfter],
    quick,
    summary,
    rows,
  };
  writeFileSync(join(here, 'results', 'kernels.json'), JSON.stringify(result, null, 2) + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run(process.argv.slice(2));
