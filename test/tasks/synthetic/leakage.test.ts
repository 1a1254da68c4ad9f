// No split of the synthetic suite leaks into another: every prompt of every split, in every variation a task can make
// (all option orders drawn, every paraphrase template), states only facts of its own split. Entity families state the
// facts of the entities they name; arithmetic states the equations it writes, a sum in either operand order.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { FAMILY_NAMES, type FamilyName } from '../../../src/tasks/synthetic/family.js';
import { getFamily } from '../../../src/tasks/synthetic/families.js';
import { ARITHMETIC_TEMPLATES } from '../../../src/tasks/synthetic/arithmetic.js';
import { SUITE_DEFAULT, SUITE_QUICK, type SuiteConfig } from '../../../src/tasks/synthetic/suite.js';
import { buildWorld, equationGroup, type Role, type World } from '../../../src/tasks/synthetic/world.js';

const SPLITS: readonly Role[] = ['train', 'val', 'test'];

/** The facts a prompt states: the equation groups it writes (arithmetic), else the entities it names. */
function factsOf(family: FamilyName, prompt: string, entities: ReadonlySet<string>): string[] {
  if (family === 'arithmetic') {
    return [...prompt.matchAll(/(\d+) (plus|minus) (\d+)/g)].map((m) => equationGroup({ a: Number(m[1]), b: Number(m[3]), op: m[2] as 'plus' | 'minus' }));
  }
  return prompt.split(/[^a-z]+/).filter((word) => entities.has(word));
}

/** Every prompt of a split: each question in as many variations as the task makes (all templates for arithmetic). */
function promptsOf(world: World, suite: SuiteConfig, family: FamilyName, split: Role): string[] {
  const { task, records } = getFamily(family);
  const n = family === 'arithmetic' ? ARITHMETIC_TEMPLATES : family === 'judgement' ? 2 : 24;
  return records(world, split, { count: suite.questions[family][split as 'train' | 'val' | 'test'] }).flatMap((record) =>
    task.variations(record, n, new Rng(7)).map((v) => v.prompt),
  );
}

describe.each([
  ['default', SUITE_DEFAULT],
  ['quick', SUITE_QUICK],
] as const)('the %s suite', (_name, suite) => {
  const world = buildWorld(suite.worldSeed, suite.world);
  const roleOf = new Map(world.entities.map((e) => [e.name, e.role]));
  const names = new Set(roleOf.keys());

  it.each(FAMILY_NAMES.map((f) => [f]))('%s: no prompt of a split states a fact of another split', (family: FamilyName) => {
    const factsBySplit = new Map(SPLITS.map((split) => [split, new Set(promptsOf(world, suite, family, split).flatMap((p) => factsOf(family, p, names)))]));
    for (const split of SPLITS) {
      const own = factsBySplit.get(split) as Set<string>;
      expect(own.size, `${family} ${split} states facts`).toBeGreaterThan(0);
      for (const other of SPLITS.filter((s) => s !== split)) {
        const shared = [...own].filter((fact) => (factsBySplit.get(other) as Set<string>).has(fact));
        expect(shared, `${family}: facts of ${split} also stated in ${other}`).toEqual([]);
      }
      // Entity families name only entities of their own split.
      if (family !== 'arithmetic') for (const name of own) expect(roleOf.get(name), `${family} ${split} names ${name}`).toBe(split);
    }
  });
});
