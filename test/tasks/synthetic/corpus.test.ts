import { describe, expect, it } from 'vitest';
import { type CorpusOptions, worldCorpus } from '../../../src/tasks/synthetic/corpus.js';
import { getFamily } from '../../../src/tasks/synthetic/families.js';
import { arithmeticStatements, factStatements } from '../../../src/tasks/synthetic/sentences.js';
import { entitiesOf, factKey, factValue, worldAttributes } from '../../../src/tasks/synthetic/world.js';
import { smallWorld } from './helpers.js';

const world = smallWorld();
const options: CorpusOptions = { factsPerDocument: 3, practiceFraction: 0.5 };

/** Every statement of the fact documents, without their full stops. */
function statements(docs: { prompt: string; completion: string }[]): Set<string> {
  return new Set(docs.filter((d) => d.prompt === '').flatMap((d) => d.completion.split(' .').map((s) => s.trim()).filter(Boolean)));
}

describe('worldCorpus', () => {
  it('is deterministic given the world and the seed, and differs between renderings', () => {
    expect(worldCorpus(world, 'strong', 2, options, 1)).toEqual(worldCorpus(smallWorld(), 'strong', 2, options, 1));
    const [first, second] = [worldCorpus(world, 'strong', 1, options, 1), worldCorpus(world, 'strong', 1, options, 2)];
    expect(first).not.toEqual(second);
  });

  it('states every fact to the strong base, and to the weak base exactly the facts it is meant to know', () => {
    for (const base of ['strong', 'weak'] as const) {
      const said = statements(worldCorpus(world, base, 6, options));
      for (const e of world.entities) {
        for (const attribute of worldAttributes(world)) {
          const forms = factStatements(e.name, attribute, factValue(e, attribute));
          const known = base === 'strong' || world.weakFacts.has(factKey({ entity: e.name, attribute }));
          expect(forms.some((f) => said.has(f)), `${base}: ${forms[0]}`).toBe(known);
        }
      }
      for (const f of world.arithmetic) {
        const known = base === 'strong' || world.weakFacts.has(factKey(f));
        expect(arithmeticStatements(f).some((s) => said.has(s))).toBe(known);
      }
    }
  });

  it('groups at most factsPerDocument statements into a document about one subject', () => {
    for (const doc of worldCorpus(world, 'strong', 1, options).filter((d) => d.prompt === '')) {
      const parts = doc.completion.split(' .').filter((s) => s.trim() !== '');
      expect(parts.length).toBeLessThanOrEqual(3);
    }
  });

  it('answers practice about entities the base has read with the gold, and about the others with a random option', () => {
    const judged = (base: 'weak' | 'strong'): { read: boolean; right: boolean }[] =>
      worldCorpus(world, base, 8, options)
        .filter((d) => d.prompt.startsWith('question :'))
        .map((d) => {
          const [, entity] = / the \w+ of (\w+) is/.exec(d.prompt)!;
          const attribute = / the (\w+) of /.exec(d.prompt)![1]!;
          const e = world.entities.find((x) => x.name === entity)!;
          return { read: world.weakFacts.has(factKey({ entity: e.name, attribute })), right: d.completion.trim() === e.properties[attribute] };
        });
    expect(judged('strong').every((x) => x.right)).toBe(true);
    const weak = judged('weak');
    expect(weak.filter((x) => x.read).every((x) => x.right)).toBe(true);
    const unread = weak.filter((x) => !x.read);
    const share = unread.filter((x) => x.right).length / unread.length;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.45);
  });

  it('practises every family only on the practice entities', () => {
    const practice = worldCorpus(world, 'weak', 1, options).filter((d) => d.prompt !== '');
    const names = new Set(entitiesOf(world, 'practice').map((e) => e.name));
    const others = world.entities.filter((e) => e.role !== 'practice').map((e) => e.name);
    for (const name of ['knowledge', 'continuation', 'judgement', 'arithmetic'] as const) {
      const prefix = { knowledge: 'question :', continuation: 'complete :', judgement: 'judge ', arithmetic: 'problem :' }[name];
      const docs = practice.filter((d) => d.prompt.startsWith(prefix));
      expect(docs.length).toBe(Math.round(getFamily(name).records(world, 'practice').length * options.practiceFraction));
      for (const d of docs) {
        const words = new Set(d.prompt.split(' '));
        expect([...names].some((n) => words.has(n))).toBe(true);
        expect(others.some((n) => words.has(n))).toBe(false);
      }
    }
    const arithmetic = practice.filter((d) => d.prompt.startsWith('problem :'));
    const practiceSums = new Set(world.arithmetic.filter((f) => f.role === 'practice').map((f) => String(f.result)));
    for (const d of arithmetic) expect(practiceSums.has(d.completion.trim())).toBe(true);
    const shown = (d: { prompt: string }): string[] => d.prompt.split(/ [A-D]\. /).slice(1).map((s) => s.split(' . ')[0]!);
    for (const d of practice.filter((x) => x.prompt.startsWith('question :'))) expect(shown(d)).toContain(d.completion.trim());
  });
});
