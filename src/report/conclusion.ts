// The report's conclusion, written from the comparisons and accuracies of the run (no verdict is fixed in advance).
import type { Comparison, RunResults } from '../run/results.js';
import { fixed3, formatInterval, maybeFixed3, signed3 } from './format.js';

/** Sentences that say which differences exceed the seed noise, which do not, and where PGR is undefined. */
export function conclusion(results: RunResults): string[] {
  const all = Object.entries(results.tasks).flatMap(([task, t]) => t.comparisons.map((c) => ({ task, c })));
  const sentences: string[] = [];
  if (all.length === 0) sentences.push('The run has no comparisons between methods.');
  else if (results.seeds.length < 2) {
    sentences.push(
      `With one seed there is no interval, so none of the ${all.length} differences can be told apart from seed noise; run several seeds to decide.`,
    );
  } else {
    const exceeding = all.filter(({ c }) => c.exceeds_noise);
    const within = all.filter(({ c }) => !c.exceeds_noise);
    sentences.push(`${exceeding.length} of ${all.length} differences exceed the seed noise (${results.seeds.length} seeds, 95% intervals).`);
    for (const { task, c } of exceeding) sentences.push(`On ${task}, ${c.method} is ${c.diff > 0 ? 'above' : 'below'} ${c.baseline}: ${difference(c)}.`);
    if (within.length > 0) sentences.push(`Within the noise: ${within.map(({ task, c }) => `${c.method} vs ${c.baseline} on ${task} (${signed3(c.diff)})`).join('; ')}.`);
  }
  for (const [task, t] of Object.entries(results.tasks)) {
    const weak = t.methods.weak?.accuracy;
    const ceiling = t.methods.ceiling?.accuracy;
    if (weak !== undefined && ceiling !== undefined && !(ceiling > weak)) {
      sentences.push(`On ${task} the ceiling (${fixed3(ceiling)}) does not beat the weak model (${fixed3(weak)}), so PGR is undefined there.`);
    }
  }
  const aurocs = Object.entries(results.tasks).map(([task, t]) => `${task} ${maybeFixed3(t.diagnostics.auroc_reliability)}`);
  if (aurocs.length > 0) sentences.push(`AUROC of the reliability score for weak-label correctness (0.5 = no signal): ${aurocs.join(', ')}.`);
  return sentences;
}

function difference(c: Comparison): string {
  return `${signed3(c.diff)}, 95% interval ${formatInterval(c.ci)}`;
}
