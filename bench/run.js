#!/usr/bin/env node
// `npm run bench -- <name>...`: runs the named benchmarks (all when none is named) on the compiled dist/.
// Each benchmark prints its figures beside its baseline and writes bench/results/<name>.json.
const benches = {
  score: () => import('./score.js'),
  label: () => import('./label.js'),
  kernels: () => import('./kernels.mjs'),
  run: () => import('./run-experiment.js'),
  engine: () => import('./engine.js'),
  explore: () => import('./explore.js'),
  startup: () => import('./startup.js'),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !(n in benches));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}\n`);
  process.exit(2);
}
for (const name of names.length > 0 ? names : Object.keys(benches)) {
  process.stdout.write(`\n== bench ${name} ==\n`);
  const mod = await benches[name]();
  await mod.run(process.argv.slice(2).filter((a) => a.startsWith('-')));
}
