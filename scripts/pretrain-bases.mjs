#!/usr/bin/env node
// Pretrains the synthetic suite's base models and writes them where the package ships them (assets/bases/<key>),
// so that `w2s run` starts from them instead of pretraining on every new machine. Run after `npm run build`:
//   node scripts/pretrain-bases.mjs [default|quick ...]
// The key is a hash of everything the weights depend on (world, corpus, recipe, tokenizer); `w2s run` finds them by it.
import { ensureBases, SHIPPED_BASES_DIR } from '../dist/run/bases.js';
import { SUITE_DEFAULT, SUITE_QUICK } from '../dist/tasks/synthetic/suite.js';
import { suiteTokenizer } from '../dist/tasks/synthetic/vocabulary.js';
import { buildWorld } from '../dist/tasks/synthetic/world.js';

const suites = { default: SUITE_DEFAULT, quick: SUITE_QUICK };
for (const name of process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['default']) {
  const suite = suites[name];
  if (!suite) throw new Error(`unknown suite ${name}; known: ${Object.keys(suites).join(', ')}`);
  const world = buildWorld(suite.worldSeed, suite.world);
  const tokenizer = suiteTokenizer(world);
  const start = performance.now();
  let last = 0;
  const bases = await ensureBases(world, tokenizer, suite, (role, info) => {
    if (info.step === info.totalSteps || performance.now() - last > 10_000) {
      last = performance.now();
      console.log(`${name} ${role}: step ${info.step}/${info.totalSteps}, loss ${info.loss.toFixed(3)}`);
    }
  }, SHIPPED_BASES_DIR);
  console.log(`${name}: ${bases.weak}\n${name}: ${bases.strong}\n(${((performance.now() - start) / 1000).toFixed(0)} s)`);
}
