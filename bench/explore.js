// explore.html at 100,000 questions: a generated answers file (N = 5, so 500,000 rows) is scored by `w2s score`, and
// its page opened from disk in headless Chromium; the figure is the time from navigation to the first rendered table
// (the page's `w2s-explore-ready` mark: data decoded, reliability and selection computed, rows drawn, frame painted),
// beside the same measure for the shipped example's page (41 questions), in the same run. Also: what writing the
// page adds to `w2s score` (the same file scored with and without it), the page's size, and the time one move of
// the slider takes at 100,000 questions (recompute with src/core, redraw). Three rounds each, medians.
/* global document, requestAnimationFrame -- used inside page.evaluate, which runs in the browser */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { score } from '../dist/score/score.js';
import { getTask } from '../dist/tasks/registry.js';
import { generateAnswers } from './generate-answers.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ROUNDS = 3;
const OPTIONS = { temperature: 0.2, tauPercentile: 50, seed: 0, completion: 'output' };

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timedScore(input, out, extra) {
  rmSync(out, { recursive: true, force: true });
  execFileSync('sync');
  const start = performance.now();
  await score({ ...OPTIONS, input, out, ...extra });
  return (performance.now() - start) / 1000;
}

/** Milliseconds from navigation to the first rendered table, in a fresh page; and one slider move's time. */
async function openPage(context, path, slider) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForSelector('body[data-ready]', { timeout: 120_000 });
  const readyMs = await page.evaluate(() => performance.getEntriesByName('w2s-explore-ready')[0]?.startTime ?? NaN);
  const rows = await page.locator('#rows .row').count();
  let sliderMs = null;
  if (slider) {
    // One move of the slider: recompute (planSelection over every question), redraw the numbers, figures and table.
    sliderMs = await page.evaluate(async () => {
      const input = document.getElementById('percentile');
      const times = [];
      for (const p of [30, 70, 40, 60, 50]) {
        const start = performance.now();
        input.value = String(p);
        input.dispatchEvent(new Event('input'));
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        times.push(performance.now() - start);
      }
      return times;
    });
  }
  await page.close();
  if (errors.length > 0) throw new Error(`${path}: ${errors.join('; ')}`);
  return { readyMs, rows, sliderMs };
}

export async function run(flags) {
  if (!existsSync(CHROMIUM)) throw new Error(`bench explore needs ${CHROMIUM} (apt-get install -y chromium)`);
  const questions = flags.includes('--quick') ? 20_000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-explore-'));
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const input = join(dir, 'answers.jsonl');
    generateAnswers(input, questions * 5, 60);
    const loadBefore = loadavg()[0];
    const withPage = [];
    const withoutPage = [];
    for (let round = 0; round < ROUNDS; round++) {
      withPage.push(await timedScore(input, join(dir, 'out'), {}));
      withoutPage.push(await timedScore(input, join(dir, 'plain'), { explore: false }));
    }
    const big = join(dir, 'out', 'explore.html');
    const example = join(dir, 'example');
    const mmlu = getTask('mmlu');
    await score({ ...OPTIONS, input: join(here, '..', 'examples', 'answers.jsonl'), out: example, parseAnswer: (row) => mmlu.parseAnswer(row.output, row) });
    const bigRuns = [];
    const exampleRuns = [];
    for (let round = 0; round < ROUNDS; round++) {
      bigRuns.push(await openPage(context, big, true));
      exampleRuns.push(await openPage(context, join(example, 'explore.html'), false));
    }
    const loadAfter = loadavg()[0];
    const ready = median(bigRuns.map((r) => r.readyMs));
    const exampleReady = median(exampleRuns.map((r) => r.readyMs));
    // The first move into a kept set runs planSelection over every question; moves within a known kept set do not.
    const sliderFirst = median(bigRuns.map((r) => r.sliderMs[0]));
    const slider = median(bigRuns.map((r) => median(r.sliderMs)));
    const pageMiB = statSync(big).size / 2 ** 20;
    const inputMiB = statSync(input).size / 2 ** 20;
    const scoreWith = median(withPage);
    const scoreWithout = median(withoutPage);
    const ms = (runs, key) => runs.map((r) => r[key].toFixed(0)).join(', ');
    console.log(`file: ${questions.toLocaleString()} questions, ${(questions * 5).toLocaleString()} rows, ${inputMiB.toFixed(0)} MiB; page ${pageMiB.toFixed(1)} MiB; ${ROUNDS} rounds, medians; CPU ${cpus()[0]?.model ?? '?'}`);
    console.log(`first rendered table, ${questions.toLocaleString()} questions: ${ready.toFixed(0)} ms (runs: ${ms(bigRuns, 'readyMs')}); target 2,000 ms: ${ready < 2000 ? 'met' : 'not met'}`);
    console.log(`first rendered table, shipped example (41 questions): ${exampleReady.toFixed(0)} ms (runs: ${ms(exampleRuns, 'readyMs')}); ratio ${(ready / exampleReady).toFixed(2)}`);
    console.log(`slider moves at ${questions.toLocaleString()} questions (recompute and redraw): first move ${sliderFirst.toFixed(0)} ms (a new kept set: planSelection over every question), median of 5 moves ${slider.toFixed(0)} ms`);
    console.log(`w2s score with explore.html ${scoreWith.toFixed(2)} s, without ${scoreWithout.toFixed(2)} s: ratio ${(scoreWith / scoreWithout).toFixed(2)}`);
    console.log(`machine load (1-minute average): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
    const result = {
      questions,
      rows: questions * 5,
      input_mib: inputMiB,
      page_mib: pageMiB,
      rounds: ROUNDS,
      cpu: cpus()[0]?.model ?? null,
      ready_ms: ready,
      ready_ms_runs: bigRuns.map((r) => r.readyMs),
      rows_drawn: bigRuns[0].rows,
      target_ready_ms: 2000,
      example_ready_ms: exampleReady,
      example_ready_ms_runs: exampleRuns.map((r) => r.readyMs),
      ratio_to_example: ready / exampleReady,
      slider_first_move_ms: sliderFirst,
      slider_move_median_ms: slider,
      slider_moves_ms_runs: bigRuns.map((r) => r.sliderMs),
      score_with_page_seconds: scoreWith,
      score_without_page_seconds: scoreWithout,
      score_seconds_runs: { with_page: withPage, without_page: withoutPage },
      score_ratio_with_to_without: scoreWith / scoreWithout,
      load_average_before: loadBefore,
      load_average_after: loadAfter,
    };
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'explore.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
