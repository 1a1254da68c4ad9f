// Start-up of the `w2s` command beside bare `node` in the same run: `node -e 0`, `w2s --help`, `w2s --version` and
// `w2s score` on the shipped example (examples/answers.jsonl, 205 rows, --task mmlu), each run ROUNDS times in turn
// (interleaved, so that the machine's load falls on all alike), medians reported as the difference to bare node and as a
// ratio. Targets: --help within +0.12 s of bare node, score on the example within +0.25 s.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const bin = join(root, 'bin', 'w2s.js');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall seconds of one run of `node args...`; a failed run ends the benchmark. */
function time(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return seconds;
}

export async function run(flags) {
  const rounds = flags.includes('--quick') ? 5 : 15;
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-startup-'));
  const cases = [
    ['node -e 0', ['-e', '0']],
    ['w2s --help', [bin, '--help']],
    ['w2s --version', [bin, '--version']],
    ['w2s score (example)', [bin, 'score', '--input', join(root, 'examples', 'answers.jsonl'), '--out', join(dir, 'score'), '--task', 'mmlu']],
  ];
  const targets = { 'w2s --help': 0.12, 'w2s score (example)': 0.25 };
  try {
    const loadBefore = loadavg()[0];
    for (const [, args] of cases) time(args); // warm the file cache
    const runs = cases.map(() => []);
    for (let round = 0; round < rounds; round++) cases.forEach(([, args], i) => runs[i].push(time(args)));
    const loadAfter = loadavg()[0];
    const medians = runs.map(median);
    const bare = medians[0];
    console.log(`${rounds} rounds, medians; CPU ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}; node ${process.version}`);
    const result = { rounds, node: process.version, cpu: cpus()[0]?.model ?? null, cases: {}, load_average_before: loadBefore, load_average_after: loadAfter };
    cases.forEach(([name], i) => {
      const diff = medians[i] - bare;
      const target = targets[name];
      const verdict = target === undefined ? '' : `; target +${target.toFixed(2)} s: ${diff <= target ? 'met' : 'not met'}`;
      console.log(`${name.padEnd(20)} ${medians[i].toFixed(3)} s  (+${diff.toFixed(3)} s over bare node, x${(medians[i] / bare).toFixed(2)})${i === 0 ? '' : verdict}`);
      result.cases[name] = { median_s: medians[i], over_bare_s: diff, ratio_to_bare: medians[i] / bare, runs_s: runs[i], ...(target !== undefined ? { target_over_bare_s: target, met: diff <= target } : {}) };
    });
    console.log(`machine load (1-minute average): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'startup.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
