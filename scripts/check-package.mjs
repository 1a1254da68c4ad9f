#!/usr/bin/env node
// `npm run check-package`: the package as users get it. Builds, makes the prebuilt native kernels (as `prepack` does),
// packs the tarball, installs it into an empty folder (the install must take the prebuilt kernels), then compiles
// (tsc --strict) and runs the TypeScript consumer example (examples/library/consumer.ts) against it and runs
// `npx w2s --help`, `npx w2s score` on the shipped example, and `npx w2s --version` and `npx w2s run --quick` with no
// compiler on PATH (the native kernels must run, from the prebuilt binary). Prints each step's
// time, the tarball's size and the installed node_modules' size; exits 1 at the first failure. --keep keeps the folder.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const work = mkdtempSync(join(tmpdir(), 'w2s-check-package-'));
const consumer = join(work, 'consumer');
const timings = [];

/** Runs a command, prints what it runs and how long it took; a non-zero exit (or a failed `expect`) ends the check. */
function step(name, command, args, { cwd = consumer, expect, env = {} } = {}) {
  process.stdout.write(`\n$ ${[command, ...args].join(' ')}\n`);
  const started = performance.now();
  const result = spawnSync(env.PATH ? join(env.PATH, command) : command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1', ...env } });
  const seconds = (performance.now() - started) / 1000;
  timings.push([name, seconds]);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  process.stdout.write(output.length > 4000 ? `${output.slice(0, 1500)}\n[...]\n${output.slice(-2000)}` : output);
  if (result.status !== 0) fail(`${name}: exit ${result.status ?? result.signal ?? result.error?.message}`);
  const problem = expect?.(result.stdout);
  if (problem) fail(`${name}: ${problem}`);
  process.stdout.write(`[${name}: ${seconds.toFixed(2)} s]\n`);
  return result.stdout;
}

function fail(message) {
  process.stderr.write(`\ncheck-package FAILED: ${message}\n${keep ? `(kept ${work})\n` : ''}`);
  if (!keep) rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

/** Bytes under a folder, links not followed (what `du --apparent-size` counts). */
function folderBytes(path) {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

step('build', npm, ['run', 'build'], { cwd: repo });
// What `prepack` does before a publish: the prebuilt native kernels that ship in the tarball.
step('prebuilt kernels', process.execPath, ['scripts/build-native.mjs', '--prebuild'], { cwd: repo });
// The build above is what gets packed: `prepare` (the build again, and the native addon for this checkout) is skipped.
const packed = JSON.parse(step('npm pack', npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repo }));
const tarball = join(work, packed[0].filename);
const shipped = packed[0].files.map((f) => f.path);
const stray = shipped.filter((path) => path.endsWith('.map') || path.startsWith('fixtures/') || path.startsWith('test/') || path.startsWith('src/'));
if (stray.length > 0) fail(`the tarball ships what no user needs: ${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ', ...' : ''}`);
const prebuilt = `prebuilds/${process.platform}-${process.arch}/w2s_kernels.node`;
for (const needed of ['LICENSE', 'dist/index.js', 'dist/index.d.ts', 'examples/answers.jsonl', 'schema/run-config.schema.json', prebuilt]) {
  if (!shipped.includes(needed)) fail(`the tarball lacks ${needed}`);
}

execFileSync('mkdir', ['-p', consumer]);
writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'w2s-consumer', private: true, type: 'module' }, null, 2)}\n`);
step('npm install (tarball)', npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', tarball], {
  expect: (out) => (out.includes(`w2s: using the prebuilt native kernels (${prebuilt})`) ? undefined : 'the install did not take the prebuilt native kernels'),
});
if (existsSync(join(consumer, 'node_modules', 'w2s', 'build'))) fail('the install built the native kernels from source although the prebuilt ones fit');
const installed = folderBytes(join(consumer, 'node_modules'));

// The installed package runs its native kernels with no compiler anywhere on PATH: only node, npm and npx are there.
const bareBin = join(work, 'bin');
mkdirSync(bareBin);
for (const tool of ['node', 'npm', 'npx']) symlinkSync(tool === 'node' ? process.execPath : join(dirname(process.execPath), tool), join(bareBin, tool));
symlinkSync('/bin/sh', join(bareBin, 'sh'));
const bare = { PATH: bareBin };
step('npx w2s --version (no compiler)', npx, ['--no-install', 'w2s', '--version'], {
  env: bare,
  expect: (out) => (/^kernels: native \(prebuilt\), (avx512|avx2|neon|scalar), sgemm w2s/m.test(out) ? undefined : 'the prebuilt native kernels are not in use'),
});

// The consumer example, compiled as a strict TypeScript user compiles it: types from the package's exports map only.
copyFileSync(join(repo, 'examples', 'library', 'consumer.ts'), join(consumer, 'consumer.ts'));
const tsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    // Node's types come from this checkout's devDependencies: the consumer folder installs only the tarball.
    typeRoots: [join(repo, 'node_modules', '@types')],
    types: ['node'],
    outDir: '.',
  },
  files: ['consumer.ts'],
};
writeFileSync(join(consumer, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
step('tsc --strict consumer.ts', process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
step('node consumer.js', process.execPath, ['consumer.js'], {
  expect: (out) => (/^41 questions, tau /m.test(out) && /^parsed: 35%$/m.test(out) ? undefined : 'expected "41 questions, tau ..." and "parsed: 35%"'),
});

step('npx w2s --help', npx, ['--no-install', 'w2s', '--help'], { expect: (out) => (/\bscore\b/.test(out) && /\brun\b/.test(out) ? undefined : 'the help lists no commands') });
step('npx w2s score (example)', npx, ['--no-install', 'w2s', 'score', '--input', 'node_modules/w2s/examples/answers.jsonl', '--out', 'score-example', '--task', 'mmlu'], {
  expect: (out) => (/^41 questions, 205 answers/m.test(out) ? undefined : 'expected "41 questions, 205 answers"'),
});
step('npx w2s run --quick (no compiler)', npx, ['--no-install', 'w2s', 'run', '--quick', '--out', 'runs/quick'], {
  env: bare,
  expect: () => {
    if (!(statSync(join(consumer, 'runs', 'quick', 'report.html')).size > 0)) return 'no report.html';
    const { kernels } = JSON.parse(readFileSync(join(consumer, 'runs', 'quick', 'manifest.json'), 'utf8'));
    return kernels?.native === true && kernels.source === 'prebuilt' ? undefined : `the run's kernels: ${JSON.stringify(kernels)}`;
  },
});
const summary = JSON.parse(readFileSync(join(consumer, 'score-example', 'summary.json'), 'utf8'));

process.stdout.write(
  `\ncheck-package passed (node ${process.version}):\n` +
    `  tarball            ${mb(statSync(tarball).size)} (${shipped.length} files)\n` +
    `  node_modules       ${mb(installed)} installed from the tarball\n` +
    `  score example      ${summary.questions} questions, tau ${summary.tau.toFixed(4)}\n` +
    timings.map(([name, seconds]) => `  ${name.padEnd(34)} ${seconds.toFixed(2)} s`).join('\n') +
    '\n',
);
if (keep) process.stdout.write(`kept ${work}\n`);
else rmSync(work, { recursive: true, force: true });
