import { describe, expect, it } from 'vitest';
import { conclusion } from '../../src/report/conclusion.js';
import { oneSeedResults, runResults } from './fixture.js';

describe('conclusion', () => {
  it('says how many differences exceed the noise after the correction, and per task which methods beat which baseline', () => {
    const sentences = conclusion(runResults());
    expect(sentences[0]).toBe(
      "2 of 12 differences exceed the noise after Holm's correction over all of them (3 seeds, intervals from a paired bootstrap over seeds and test questions), at a matched budget (every strong model trains naive's optimizer steps).",
    );
    const mc = sentences.find((s) => s.startsWith('On world-mc:'));
    expect(mc).toContain('above naive: filter (+0.043, [+0.035, +0.050])');
    expect(mc).toContain('nothing differs from consistent');
  });

  it('follows the comparisons: a changed verdict changes the text', () => {
    const results = runResults();
    for (const t of Object.values(results.tasks)) for (const c of t.comparisons) c.exceeds_noise = false;
    const sentences = conclusion(results);
    expect(sentences[0]).toMatch(/^0 of 12 differences exceed the noise/);
    expect(sentences.some((s) => s.includes('above '))).toBe(false);
    expect(sentences).toContain('On world-mc: nothing differs from naive; nothing differs from consistent.');
  });

  it('says a difference below the baseline is below it', () => {
    const results = runResults();
    const c = results.tasks['world-judgement']?.comparisons[1];
    if (c === undefined) throw new Error('fixture has comparisons');
    Object.assign(c, { diff: -0.03, ci: [-0.05, -0.01], exceeds_noise: true });
    expect(conclusion(results).find((s) => s.startsWith('On world-judgement:'))).toContain(`below consistent: ${c.method} (-0.030, [-0.050, -0.010])`);
  });

  it('names the paper budget when the run used it', () => {
    const results = runResults();
    results.budget = 'paper';
    expect(conclusion(results)[0]).toContain("at the paper's budget (fixed epochs: methods with more rows train longer)");
  });

  it('gives no verdict with one seed, and says what three seeds take', () => {
    expect(conclusion(oneSeedResults())[0]).toBe(
      'With one seed no verdict is possible: nothing measures how much the fine-tuning itself varies, so none of the 12 differences can be told from noise. Run with `--seeds 3` (the default on the embedded suite; about 6 minutes on this machine, three times this run) to decide.',
    );
    expect(conclusion(oneSeedResults()).some((s) => s.startsWith('On world-mc:'))).toBe(false);
  });

  it('warns when tau equals the lowest entropy, so that ties decide the kept share', () => {
    expect(conclusion(runResults())).toContain('On world-judgement, tau (0.000) equals the lowest entropy in 3 of 3 seeds, so ties decide what filter keeps: 78% of the questions, not half.');
    expect(conclusion(runResults()).some((s) => s.startsWith('On world-mc, tau'))).toBe(false);
  });

  it('says where PGR is undefined and why', () => {
    expect(conclusion(runResults())).toContain('On world-judgement the ceiling (0.700) does not beat the weak model (0.710), so PGR is undefined there.');
    expect(conclusion(runResults()).filter((s) => s.includes('PGR is undefined'))).toHaveLength(1);
  });
});
