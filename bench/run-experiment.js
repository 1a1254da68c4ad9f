// `npm run bench -- run`: the wall time and peak memory of the main job, `w2s run` with no arguments (the default
// suite, four tasks, three seeds, every default method), in a fresh run directory, beside the 5-minute target.
// Base checkpoints come from the package or the cache, as they do for a user; `--full` also times one seed
// (`--seeds 1`) and `--quick` times the smoke run instead.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMeasured } from './peak-memory.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'bin', 'w2s.js');
const TARGET_SECONDS = 300;

async function timeRun(label, extra) {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-run-'));
  try {
    const r = await runMeasured(process.execPath, [bin, 'run', ...extra, '--out', join(dir, 'run')]);
    if (r.code !== 0) throw new Error(`${label}: w2s run exited with ${r.code}`);
    console.log(`${label.padEnd(28)} ${r.seconds.toFixed(1)} s, peak ${r.peakRssMiB.toFixed(0)} MiB`);
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(flags) {
  const result = {};
  if (flags.includes('--quick')) {
    const quick = await timeRun('w2s run --quick', ['--quick']);
    result.quick = { seconds: quick.seconds, peak_rss_mib: quick.peakRssMiB };
  } else {
    const main = await timeRun('w2s run (default)', []);
    result.default = { seconds: main.seconds, peak_rss_mib: main.peakRssMiB, target_seconds: TARGET_SECONDS, ratio_to_target: main.seconds / TARGET_SECONDS };
    console.log(`ratio to the ${TARGET_SECONDS} s target: ${(main.seconds / TARGET_SECONDS).toFixed(2)} (${main.seconds <= TARGET_SECONDS ? 'met' : 'not met'})`);
    if (flags.includes('--full')) {
      const one = await timeRun('w2s run --seeds 1', ['--seeds', '1']);
      result.one_seed = { seconds: one.seconds, peak_rss_mib: one.peakRssMiB };
    }
  }
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'run.json'), JSON.stringify(result, null, 2) + '\n');
}
