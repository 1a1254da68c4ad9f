// `w2s score` throughput and memory: rows/s on a generated 10M-row answers file (both passes, every output file
// written) beside a baseline that only reads and JSON.parses the same file twice, and beside `w2s score` without the
// native addon (W2S_KERNELS=portable), in the same run: three rounds, each in turn, medians reported, dirty pages
// written out before each measurement so that no run pays for the one before; peak memory with short vs long texts (it
// must not grow with the text) and per question. The machine's load is recorded beside the figures: other processes on
// the same cores slow every number down.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateAnswers } from './generate-answers.js';

const here = dirname(fileURLToPath(import.meta.url));

/** One run in its own process; `env` adds to the environment (W2S_KERNELS=portable: without the native addon). */
function measure(mode, input, out, env = {}) {
  if (out) rmSync(out, { recursive: true, force: true });
  execFileSync('sync');
  const stdout = execFileSync(process.execPath, [join(here, 'score-child.js'), mode, input, out], { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, ...env } });
  return JSON.parse(stdout.trim().split('\n').pop());
}

const ROUNDS = 3;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The run with the median time of several. */
function medianRun(runs) {
  const m = median(runs.map((r) => r.seconds));
  return runs.find((r) => r.seconds === m);
}

export async function run(flags) {
  const rows = flags.includes('--quick') ? 1_000_000 : 10_000_000;
  const questions = rows / 5;
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-score-'));
  try {
    const big = join(dir, 'answers.jsonl');
    generateAnswers(big, rows, 60);
    const sizeMiB = statSync(big).size / 2 ** 20;
    const loadBefore = loadavg()[0];
    const oursRuns = [];
    const baselineRuns = [];
    const portableRuns = [];
    for (let round = 0; round < ROUNDS; round++) {
      oursRuns.push(measure('score', big, join(dir, 'out')));
      baselineRuns.push(measure('parse-baseline', big, ''));
      portableRuns.push(measure('score', big, join(dir, 'out'), { W2S_KERNELS: 'portable' }));
    }
    rmSync(join(dir, 'out'), { recursive: true, force: true });
    const loadAfter = loadavg()[0];
    const ours = medianRun(oursRuns);
    const baseline = medianRun(baselineRuns);
    const portable = medianRun(portableRuns);
    const rps = ours.rows / ours.seconds;
    const times = (runs) => runs.map((r) => r.seconds.toFixed(2)).join(', ');
    console.log(`file: ${rows.toLocaleString()} rows, ${sizeMiB.toFixed(0)} MiB, ${questions.toLocaleString()} questions; ${ROUNDS} rounds, medians`);
    console.log(`w2s score       : ${ours.seconds.toFixed(2)} s, ${Math.round(rps).toLocaleString()} rows/s, peak ${ours.peakRssMiB.toFixed(0)} MiB, output ${ours.outputMiB.toFixed(0)} MiB (runs: ${times(oursRuns)} s)`);
    console.log(`parse baseline  : ${baseline.seconds.toFixed(2)} s, ${Math.round(baseline.rows / baseline.seconds).toLocaleString()} rows/s, peak ${baseline.peakRssMiB.toFixed(0)} MiB (runs: ${times(baselineRuns)} s)`);
    console.log(`w2s score, no native code (W2S_KERNELS=portable): ${portable.seconds.toFixed(2)} s, ${Math.round(portable.rows / portable.seconds).toLocaleString()} rows/s, peak ${portable.peakRssMiB.toFixed(0)} MiB (runs: ${times(portableRuns)} s)`);
    console.log(`native line scanner: ${ours.native.scanner ? 'used' : 'absent'}; I/O thread: ${ours.native.ioThread ? 'used' : 'absent'}`);
    console.log(`ratios (rows/s over rows/s): score / baseline ${(baseline.seconds / ours.seconds).toFixed(3)}, score / score without native code ${(portable.seconds / ours.seconds).toFixed(3)}; target 1,000,000 rows/s: ${rps >= 1e6 ? 'met' : 'not met'}`);
    console.log(`machine load (1-minute average): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
    rmSync(big);

    // Same number of questions, 20x the text per row: peak memory must stay (nearly) the same.
    const small = 1_000_000;
    const short = join(dir, 'short.jsonl');
    const long = join(dir, 'long.jsonl');
    generateAnswers(short, small, 60);
    generateAnswers(long, small, 1200);
    const shortRun = measure('score', short, join(dir, 'out-short'));
    const longRun = measure('score', long, join(dir, 'out-long'));
    const memoryRatio = longRun.peakRssMiB / shortRun.peakRssMiB;
    // What memory grows by per question: the slope between the 1M-row (200,000 questions) and the big run.
    const bytesPerQuestion = ((ours.peakRssMiB - shortRun.peakRssMiB) * 2 ** 20) / (questions - small / 5);
    console.log(`memory vs text size (1M rows): 60-char prompts ${shortRun.peakRssMiB.toFixed(0)} MiB, 1200-char prompts ${longRun.peakRssMiB.toFixed(0)} MiB, ratio ${memoryRatio.toFixed(2)}`);
    if (rows > small) console.log(`memory per question: ${bytesPerQuestion.toFixed(0)} bytes (peak RSS slope from ${(small / 5).toLocaleString()} to ${questions.toLocaleString()} questions)`);

    const result = {
      rows,
      file_mib: sizeMiB,
      rounds: ROUNDS,
      native_scanner: ours.native.scanner,
      io_thread: ours.native.ioThread,
      score_seconds: ours.seconds,
      score_seconds_runs: oursRuns.map((r) => r.seconds),
      score_rows_per_s: rps,
      score_peak_rss_mib: ours.peakRssMiB,
      score_output_mib: ours.outputMiB,
      baseline_parse_seconds: baseline.seconds,
      baseline_parse_seconds_runs: baselineRuns.map((r) => r.seconds),
      portable_score_seconds: portable.seconds,
      portable_score_rows_per_s: portable.rows / portable.seconds,
      portable_score_seconds_runs: portableRuns.map((r) => r.seconds),
      baseline_rows_per_s: baseline.rows / baseline.seconds,
      ratio_to_baseline: baseline.seconds / ours.seconds,
      ratio_to_portable: portable.seconds / ours.seconds,
      target_rows_per_s: 1e6,
      memory_short_text_mib: shortRun.peakRssMiB,
      memory_long_text_mib: longRun.peakRssMiB,
      memory_long_over_short: memoryRatio,
      memory_bytes_per_question: rows > small ? bytesPerQuestion : null,
      load_average_before: loadBefore,
      load_average_after: loadAfter,
    };
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'score.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
