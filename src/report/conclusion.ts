// The report's conclusion, written from the comparisons and accuracies of the run (no verdict is fixed in advance):
// per task, which methods beat naive, random-s and consistent beyond the noise after Holm's correction, at the run's
// training budget; what tau kept; how close selection came to the oracle; where PGR is undefined.
import type { Comparison, RunResults, TaskResults } from '../run/results.js';
import { fixed3, formatInterval, maybeFixed3, percent, signed3 } from './format.js';

/** Sentences in the order the report shows them: the verdicts first, then what qualifies them. */
export function conclusion(results: RunResults): string[] {
  const all = Object.values(results.tasks).flatMap((t) => t.comparisons);
  const sentences: string[] = [];
  const budget = results.budget === 'matched' ? "a matched budget (every strong model trains naive's optimizer steps)" : "the paper's budget (fixed epochs: methods with more rows train longer)";
  if (all.length === 0) sentences.push('The run has no comparisons between methods.');
  else if (results.seeds.length < 2) {
    const seconds = results.timing.total;
    const estimate = seconds === undefined ? '' : `; about ${Math.round((3 * seconds) / 60)} minutes on this machine, three times this run`;
    sentences.push(
      `With one seed no verdict is possible: nothing measures how much the fine-tuning itself varies, so none of the ${all.length} differences can be told from noise. Run with \`--seeds 3\` (the default on the embedded suite${estimate}) to decide.`,
    );
  } else {
    sentences.push(
      `${all.filter((c) => c.exceeds_noise).length} of ${all.length} differences exceed the noise after Holm's correction over all of them (${results.seeds.length} seeds, intervals from a paired bootstrap over seeds and test questions), at ${budget}.`,
    );
    for (const [task, t] of Object.entries(results.tasks)) sentences.push(taskVerdict(task, t));
  }
  for (const [task, t] of Object.entries(results.tasks)) {
    const d = t.diagnostics;
    if (d.tau_at_lowest_entropy > 0) {
      sentences.push(
        `On ${task}, tau (${fixed3(d.tau)}) equals the lowest entropy in ${d.tau_at_lowest_entropy} of ${d.tau_per_seed.length} seeds, so ties decide what filter keeps: ${percent(d.kept_share)} of the questions, not half.`,
      );
    }
    const oracle = t.methods.oracle?.accuracy;
    const naive = t.methods.naive?.accuracy;
    if (oracle !== undefined && naive !== undefined) {
      const shares = (['filter-s', 'filter', 'reweight-s', 'reweight'] as const)
        .filter((m) => t.methods[m]?.oracle_share !== undefined)
        .map((m) => `${m} ${maybeFixed3(t.methods[m]?.oracle_share ?? null)}`);
      if (oracle > naive && shares.length > 0) sentences.push(`On ${task} the oracle gains ${signed3(oracle - naive)} over naive; share of that gain reached: ${shares.join(', ')}.`);
      else if (!(oracle > naive)) sentences.push(`On ${task} the oracle (${fixed3(oracle)}) does not beat naive (${fixed3(naive)}): no selection of naive's rows helps there.`);
    }
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

/** One task's verdict: per baseline, the methods above and below it beyond the noise. */
function taskVerdict(task: string, t: TaskResults): string {
  const baselines = [...new Set(t.comparisons.map((c) => c.baseline))];
  const parts = baselines.map((baseline) => {
    const of = t.comparisons.filter((c) => c.baseline === baseline && c.exceeds_noise);
    const above = of.filter((c) => c.diff > 0).map(describe);
    const below = of.filter((c) => c.diff < 0).map(describe);
    if (above.length === 0 && below.length === 0) return `nothing differs from ${baseline}`;
    return [above.length > 0 ? `above ${baseline}: ${above.join(', ')}` : '', below.length > 0 ? `below ${baseline}: ${below.join(', ')}` : '']
      .filter((x) => x !== '')
      .join('; ');
  });
  return `On ${task}: ${parts.join('; ')}.`;
}

function describe(c: Comparison): string {
  return `${c.method} (${signed3(c.diff)}, ${formatInterval(c.ci)})`;
}
