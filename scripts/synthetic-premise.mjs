#!/usr/bin/env node
// Measures, with the built-in engine, whether the synthetic suite behaves like the paper's setting: per family, the
// weak model is SFT'd on its train split (with the suite's answer key), labels val under N prompt variations, and
// the script reports the premise statistics of those labels (wrong answers per displayed position, share of
// questions with entropy 0, corr(entropy, correct), weak-label accuracy of low- vs high-entropy questions), the weak
// model's test accuracy and, with --strong-check, the strong ceiling and the naive weak-to-strong accuracy.
//
//   npx tsc -p . && node scripts/synthetic-premise.mjs --suite default --weak DIR --strong DIR [--families a,b]
//     [--seeds 1,2,3] [--strong-check] [--out FILE]
//
// Base checkpoints that do not exist yet are pretrained (pretrainBase) and saved where --weak/--strong point.
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Rng } from '../dist/core/rng.js';
import { answerDistribution, entropy, tau as tauOf } from '../dist/core/reliability.js';
import { loadCheckpoint, saveCheckpoint } from '../dist/engine/formats/checkpoint.js';
import { generate } from '../dist/engine/generate.js';
import { getKernels } from '../dist/engine/kernels/index.js';
import { LlamaModel } from '../dist/engine/model.js';
import { promptIds, sftExamples } from '../dist/engine/sft-encoding.js';
import { train } from '../dist/engine/train.js';
import { FAMILY_NAMES } from '../dist/tasks/synthetic/family.js';
import { getFamily } from '../dist/tasks/synthetic/families.js';
import { pretrainBase } from '../dist/tasks/synthetic/pretrain.js';
import { SUITE_CONTROL, SUITE_DEFAULT, SUITE_QUICK } from '../dist/tasks/synthetic/suite.js';
import { suiteTokenizer } from '../dist/tasks/synthetic/vocabulary.js';
import { buildWorld } from '../dist/tasks/synthetic/world.js';

const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', default: 'default' },
    weak: { type: 'string' },
    strong: { type: 'string' },
    families: { type: 'string', default: FAMILY_NAMES.join(',') },
    seeds: { type: 'string', default: '1' },
    'strong-check': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const suite = { default: SUITE_DEFAULT, control: SUITE_CONTROL, quick: SUITE_QUICK }[args.suite];
if (!suite) throw new Error(`--suite must be default, control or quick, not ${args.suite}`);
if (!args.weak || (args['strong-check'] && !args.strong)) throw new Error('--weak DIR is needed, and --strong DIR with --strong-check');

const world = buildWorld(suite.worldSeed, suite.world);
const tokenizer = suiteTokenizer(world);
const kernels = getKernels();
const timing = {};

/** The base checkpoint at `dir`, pretrained and saved there first when it is missing. */
async function base(role, dir) {
  if (!existsSync(`${dir}/model.safetensors`)) {
    const result = await pretrainBase(world, tokenizer, suite, role, kernels);
    timing[`pretrain_${role}`] = { seconds: result.seconds, tokens_per_second: result.tokens / result.seconds };
    saveCheckpoint(dir, result.model.config, result.model.tensors(), tokenizer);
  }
  const c = loadCheckpoint(dir);
  return () => LlamaModel.fromTensors(c.config, c.params, kernels);
}

async function sft(model, rows, recipe, seed, key) {
  const examples = await sftExamples(tokenizer, rows.map((r) => ({ ...r, weight: r.weight ?? 1 })));
  const start = performance.now();
  let tokens = 0;
  train(model, examples, {
    learningRate: recipe.learningRate,
    batchSize: recipe.batchSize,
    epochs: recipe.epochs,
    warmupSteps: recipe.warmupSteps,
    seed,
    padTokenId: tokenizer.padId ?? 0,
    ...(recipe.lora ? { lora: recipe.lora } : {}),
    onStep: (info) => (tokens += info.tokens),
  });
  const seconds = (performance.now() - start) / 1000;
  (timing[key] ??= []).push({ rows: rows.length, seconds, tokens_per_second: tokens / seconds });
}

async function outputs(model, prompts) {
  const ids = await promptIds(tokenizer, prompts);
  const start = performance.now();
  const gens = generate(model, ids, { maxNewTokens: 8, batchSize: 64, padTokenId: tokenizer.padId ?? 0, eosTokenIds: [tokenizer.eosId] });
  (timing.generate ??= []).push({ prompts: prompts.length, seconds: (performance.now() - start) / 1000 });
  return Promise.all(gens.map((g) => tokenizer.decode(g.tokens, { skipSpecialTokens: true })));
}

async function accuracy(model, family, records) {
  const texts = await outputs(model, records.map((r) => family.task.prompt(r)));
  const variation0 = (r) => family.task.variations(r, 1, new Rng(0))[0];
  return records.filter((r, i) => family.task.parseAnswer(texts[i], variation0(r)) === r.gold).length / records.length;
}

// The displayed slot of an answer: its option's position, or for the judgement whether its word was listed first.
function slotOf(family, variation, answer) {
  if (variation.choices) return variation.choices.indexOf(answer);
  const first = /^judge (\w+) or/.exec(variation.prompt)?.[1];
  return (first === 'right') === (answer === '0') ? 0 : 1;
}

function correlation(x, y) {
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i] - my) ** 2;
  });
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

function premise(family, labelled, known) {
  const ent = labelled.map((q) => entropy(answerDistribution(q.answers)));
  const correct = labelled.map((q) => q.answers[0] === q.record.gold);
  const share = (xs) => (xs.length === 0 ? null : xs.filter(Boolean).length / xs.length);
  const t = tauOf(ent);
  const out = {
    questions: labelled.length,
    weak_label_accuracy: share(correct),
    weak_label_accuracy_known: share(correct.filter((_, i) => known[i])),
    weak_label_accuracy_unknown: share(correct.filter((_, i) => !known[i])),
    unparseable_share: share(labelled.flatMap((q) => q.answers.map((a) => a === null))),
    entropy_zero_share: share(ent.map((e) => e === 0)),
    entropy_zero_share_known: share(ent.filter((_, i) => known[i]).map((e) => e === 0)),
    entropy_zero_share_unknown: share(ent.filter((_, i) => !known[i]).map((e) => e === 0)),
    accuracy_entropy_zero: share(correct.filter((_, i) => ent[i] === 0)),
    tau: t,
    accuracy_low_entropy: share(correct.filter((_, i) => ent[i] <= t)),
    accuracy_high_entropy: share(correct.filter((_, i) => ent[i] > t)),
    corr_entropy_correct: correlation(ent, correct.map(Number)),
  };
  if (family.slots !== null) {
    const counts = new Array(family.slots).fill(0);
    for (const q of labelled) {
      q.variations.forEach((v, j) => {
        const a = q.answers[j];
        if (a !== null && a !== q.record.gold) counts[slotOf(family, v, a)] += 1;
      });
    }
    const total = counts.reduce((a, b) => a + b, 0);
    out.wrong_answer_positions = counts.map((c) => (total === 0 ? null : c / total));
  }
  return out;
}

const weakBase = await base('weak', args.weak);
const strongBase = args['strong-check'] ? await base('strong', args.strong) : null;
const results = [];
for (const name of args.families.split(',')) {
  const family = getFamily(name);
  const sizes = suite.questions[family.name];
  const goldFirst = family.slots === 4 ? suite.weakTrainGoldFirst.multipleChoice : family.slots === 2 ? suite.weakTrainGoldFirst.binary : undefined;
  const trainSplit = family.records(world, 'train', { count: sizes.train, ...(goldFirst !== undefined ? { goldFirst } : {}) });
  const val = family.records(world, 'val', { count: sizes.val });
  const test = family.records(world, 'test', { count: sizes.test });
  const goldRows = (records) => records.map((r) => ({ prompt: family.task.prompt(r), completion: family.task.goldCompletion(r) }));
  for (const seed of args.seeds.split(',').map(Number)) {
    const weak = weakBase();
    await sft(weak, goldRows(trainSplit), suite.weak.sft, seed, 'weak_sft');
    const variations = val.map((r) => family.task.variations(r, suite.variations[family.name], Rng.derive(seed, `variations:${r.id}`)));
    const texts = await outputs(weak, variations.flat().map((v) => v.prompt));
    let k = 0;
    const labelled = val.map((record, i) => {
      const vs = variations[i];
      const answers = vs.map((v) => family.task.parseAnswer(texts[k++], v));
      return { record, variations: vs, answers };
    });
    const row = { family: name, seed, premise: premise(family, labelled, val.map((r) => world.weakFacts.has(family.factOf(r)))), weak_test: await accuracy(weak, family, test) };
    if (strongBase) {
      const ceiling = strongBase();
      await sft(ceiling, goldRows(val), suite.strong.sft, seed, 'strong_sft');
      const naive = strongBase();
      const naiveRows = labelled
        .filter((q) => q.answers[0] !== null)
        .map((q) => ({ prompt: q.variations[0].prompt, completion: family.task.renderAnswer(q.answers[0], q.variations[0], q.record) }));
      // A weak model whose every answer is unreadable leaves naive nothing to train on.
      if (naiveRows.length > 0) await sft(naive, naiveRows, suite.strong.sft, seed, 'strong_sft');
      row.ceiling_test = await accuracy(ceiling, family, test);
      row.naive_test = naiveRows.length > 0 ? await accuracy(naive, family, test) : null;
      row.pgr = row.naive_test !== null && row.ceiling_test > row.weak_test ? (row.naive_test - row.weak_test) / (row.ceiling_test - row.weak_test) : null;
    }
    results.push(row);
    console.log(JSON.stringify(row));
  }
}
const report = { suite: suite.name, results, timing };
if (args.out) writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify({ timing }));
