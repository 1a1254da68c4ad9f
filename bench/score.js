// `w2s score` throughput and memory: rows/s on a generated 10M-row answers file beside a baseline that only reads and
// parses the same file twice; peak memory with short vs long texts (it must not grow with the text).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateAnswers } from './generate-answers.js';

const here = dirname(fileURLToPath(import.meta.url));

function measure(mode, input, out) {
  const stdout = execFileSync(process.execPath, [join(here, 'score-child.js'), mode, input, out], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

export async function run(flags) {
  const rows = flags.includes('--quick') ? 1_000_000 : 10_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-score-'));
  try {
    const big = join(dir, 'answers.jsonl');
    generateAnswers(big, rows, 60);
    const sizeMiB = statSync(big).size / 2 ** 20;
    const ours = measure('score', big, join(dir, 'out'));
    const baseline = measure('parse-baseline', big, '');
    const rps = ours.rows / ours.seconds;
    console.log(`file: ${rows.toLocaleString()} rows, ${sizeMiB.toFixed(0)} MiB, ${rows / 5} questions`);
    console.log(`w2s score       : ${ours.seconds.toFixed(2)} s, ${Math.round(rps).toLocaleString()} rows/s, peak ${ours.peakRssMiB.toFixed(0)} MiB`);
    console.log(`parse baseline  : ${baseline.seconds.toFixed(2)} s, ${Math.round(baseline.rows / baseline.seconds).toLocaleString()} rows/s, peak ${baseline.peakRssMiB.toFixed(0)} MiB`);
    console.log(`ratio (score rows/s / baseline rows/s): ${(baseline.seconds / ours.seconds).toFixed(3)}; target 1,000,000 rows/s: ${rps >= 1e6 ? 'met' : 'not met'}`);
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
    console.log(`memory vs text size (1M rows): 60-char prompts ${shortRun.peakRssMiB.toFixed(0)} MiB, 1200-char prompts ${longRun.peakRssMiB.toFixed(0)} MiB, ratio ${memoryRatio.toFixed(2)}`);
    console.log(`memory per question (10M-row run): ${((ours.peakRssMiB * 2 ** 20) / (rows / 5)).toFixed(0)} bytes`);

    const result = {
      rows,
      file_mib: sizeMiB,
      score_seconds: ours.seconds,
      score_rows_per_s: rps,
      score_peak_rss_mib: ours.peakRssMiB,
      baseline_parse_seconds: baseline.seconds,
      baseline_rows_per_s: baseline.rows / baseline.seconds,
      ratio_to_baseline: baseline.seconds / ours.seconds,
      target_rows_per_s: 1e6,
      memory_short_text_mib: shortRun.peakRssMiB,
      memory_long_text_mib: longRun.peakRssMiB,
      memory_long_over_short: memoryRatio,
    };
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'score.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
