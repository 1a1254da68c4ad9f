#!/usr/bin/env node
// Chooses the synthetic suite's strong learning rate on the validation split alone (never test), and says whether
// the choice is the value the suite ships. Protocol: for each family and seed, the strong base is fine-tuned with the
// strong recipe (LoRA, batch, epochs) on the ground truth of three quarters of val (the ceiling's training) and scored
// on the last quarter with the original prompts; accuracy is averaged over families and seeds. The learning rates
// within 0.02 of the best mean are "safe"; the choice is the middle one of them (the lower middle when their count is
// even), which keeps away from both edges of the range where training stalls or diverges.
//
//   npm run build && node scripts/select-strong-lr.mjs [--suite default] [--rates 1e-3,3e-3,5e-3,1e-2] [--seeds 0,1]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateTexts, trainSft } from '../dist/backends/builtin.js';
import { accuracy } from '../dist/core/metrics.js';
import { hashString } from '../dist/core/rng.js';
import { goldSftRows } from '../dist/datasets/gold-rows.js';
import { ensureBases } from '../dist/run/bases.js';
import { ANSWER_DECODING, originalPrompts } from '../dist/run/weak-labels.js';
import { FAMILY_NAMES } from '../dist/tasks/synthetic/family.js';
import { getFamily } from '../dist/tasks/synthetic/families.js';
import { SUITE_DEFAULT, SUITE_QUICK } from '../dist/tasks/synthetic/suite.js';
import { suiteTokenizer } from '../dist/tasks/synthetic/vocabulary.js';
import { buildWorld } from '../dist/tasks/synthetic/world.js';

const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', default: 'default' },
    rates: { type: 'string', default: '1e-3,3e-3,5e-3,1e-2' },
    seeds: { type: 'string', default: '0,1' },
  },
});
const suite = { default: SUITE_DEFAULT, quick: SUITE_QUICK }[args.suite];
if (!suite) throw new Error(`unknown suite ${args.suite}`);
const rates = args.rates.split(',').map(Number);
const seeds = args.seeds.split(',').map(Number);
const SAFE_MARGIN = 0.02;

const world = buildWorld(suite.worldSeed, suite.world);
const bases = await ensureBases(world, suiteTokenizer(world), suite);
const scratch = mkdtempSync(join(tmpdir(), 'w2s-select-lr-'));
const recipe = suite.strong.sft;
const scores = new Map(rates.map((rate) => [rate, []]));
try {
  for (const family of FAMILY_NAMES) {
    const { task, records } = getFamily(family);
    const val = records(world, 'val', { count: suite.questions[family].val });
    const cut = Math.floor((val.length * 3) / 4);
    const [fit, held] = [val.slice(0, cut), val.slice(cut)];
    const originals = await originalPrompts(task, held);
    for (const rate of rates) {
      for (const seed of seeds) {
        const settings = { learningRate: rate, batchSize: recipe.batchSize, epochs: recipe.epochs, warmupSteps: recipe.warmupSteps, lora: recipe.lora, seed: hashString(`${seed}:select-lr`) };
        const trained = await trainSft({ checkpoint: bases.strong }, goldSftRows(task, fit), settings, join(scratch, `${family}-${rate}-${seed}`));
        const outputs = await generateTexts(trained.model, originals.map((v) => v.prompt), ANSWER_DECODING);
        const score = accuracy(outputs.map((o, i) => task.parseAnswer(o, originals[i])), held.map((r) => r.gold));
        scores.get(rate).push(score);
        console.log(`${family.padEnd(12)} lr ${rate.toExponential(0)} seed ${seed}: ${score.toFixed(3)} on ${held.length} held-out val questions`);
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const means = rates.map((rate) => ({ rate, mean: scores.get(rate).reduce((a, b) => a + b, 0) / scores.get(rate).length }));
const best = Math.max(...means.map((m) => m.mean));
const safe = means.filter((m) => m.mean >= best - SAFE_MARGIN).map((m) => m.rate).sort((a, b) => a - b);
const chosen = safe[Math.floor((safe.length - 1) / 2)];
console.log('\nmean held-out val accuracy per learning rate:');
for (const m of means) console.log(`  ${m.rate.toExponential(0)}: ${m.mean.toFixed(3)}${safe.includes(m.rate) ? '  (safe)' : ''}`);
console.log(`chosen: ${chosen.toExponential(0)}; shipped (${args.suite} suite): ${recipe.learningRate.toExponential(0)}; ${chosen === recipe.learningRate ? 'the same' : 'DIFFERENT'}`);
process.exitCode = chosen === recipe.learningRate ? 0 : 1;
