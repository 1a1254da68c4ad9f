import { describe, expect, it } from 'vitest';
import { conclusion } from '../../src/report/conclusion.js';
import { oneSeedResults, runResults } from './fixture.js';

describe('conclusion', () => {
  it('names the differences that exceed the noise and lists the rest as within it', () => {
    const sentences = conclusion(runResults());
    expect(sentences[0]).toBe('2 of 12 differences exceed the seed noise (3 seeds, 95% intervals).');
    expect(sentences).toContain('On world-mc, filter is above naive: +0.043, 95% interval [+0.035, +0.050].');
    const within = sentences.find((s) => s.startsWith('Within the noise:'));
    expect(within).toContain('filter vs consistent on world-mc (+0.004)');
    expect(within).not.toContain('filter vs naive on world-mc');
  });

  it('follows the comparisons: a changed verdict changes the text', () => {
    const results = runResults();
    for (const t of Object.values(results.tasks)) for (const c of t.comparisons) c.exceeds_noise = false;
    const sentences = conclusion(results);
    expect(sentences[0]).toBe('0 of 12 differences exceed the seed noise (3 seeds, 95% intervals).');
    expect(sentences.some((s) => s.includes(' is above '))).toBe(false);
  });

  it('says a difference below the baseline is below it', () => {
    const results = runResults();
    const c = results.tasks['world-judgement']?.comparisons[1];
    if (c === undefined) throw new Error('fixture has comparisons');
    Object.assign(c, { diff: -0.03, ci: [-0.05, -0.01], exceeds_noise: true });
    expect(conclusion(results)).toContain(`On world-judgement, ${c.method} is below consistent: -0.030, 95% interval [-0.050, -0.010].`);
  });

  it('makes no claim about noise with one seed', () => {
    expect(conclusion(oneSeedResults())[0]).toBe(
      'With one seed there is no interval, so none of the 12 differences can be told apart from seed noise; run several seeds to decide.',
    );
  });

  it('says where PGR is undefined and why', () => {
    expect(conclusion(runResults())).toContain('On world-judgement the ceiling (0.700) does not beat the weak model (0.710), so PGR is undefined there.');
    expect(conclusion(runResults()).filter((s) => s.includes('PGR is undefined'))).toHaveLength(1);
  });
});
