import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import type { Question, RowContext, SplitName } from '../../../src/tasks/types.js';
import type { ArithmeticRecord } from '../../../src/tasks/synthetic/arithmetic.js';
import { FAMILY_NAMES } from '../../../src/tasks/synthetic/family.js';
import { allFamilies, getFamily } from '../../../src/tasks/synthetic/families.js';
import type { JudgementRecord } from '../../../src/tasks/synthetic/judgement.js';
import type { KnowledgeRecord } from '../../../src/tasks/synthetic/knowledge.js';
import { CUSTOMS } from '../../../src/tasks/synthetic/lexicon.js';
import { factKey } from '../../../src/tasks/synthetic/world.js';
import { expectBadInput } from '../helpers.js';
import { smallWorld } from './helpers.js';

const world = smallWorld();
const SPLITS: SplitName[] = ['train', 'val', 'test'];

function at(split: string, index: number): RowContext {
  return { file: `${split}.jsonl`, line: index + 1, format: 'jsonl', split, index, occurrence: () => 0 };
}

describe.each(FAMILY_NAMES)('synthetic %s', (name) => {
  const family = getFamily(name);
  const { task } = family;
  const records = family.records(world, 'val');

  it('makes the same records for the same world, with unique ids and a gold answer each', () => {
    expect(JSON.stringify(family.records(smallWorld(), 'val'))).toBe(JSON.stringify(records));
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    for (const r of records) expect(r.gold).not.toBeNull();
    expect(records[0]?.id).toBe(`synthetic-${name}/val/0`);
  });

  it('gives a prefix of the full split when fewer questions are asked', () => {
    expect(family.records(world, 'val', { count: 5 })).toEqual(records.slice(0, 5));
  });

  it('refuses more questions than the role has', () => {
    expect(() => family.records(world, 'val', { count: records.length + 1 })).toThrow(/val questions asked/);
  });

  it('builds N distinct variations, the original prompt first', () => {
    const n = task.defaultVariations;
    for (const r of records) {
      const variations = task.variations(r, n, Rng.derive(1, r.id));
      expect(variations).toHaveLength(n);
      expect(variations[0]?.prompt).toBe(task.prompt(r));
      expect(new Set(variations.map((v) => v.prompt)).size).toBe(n);
      variations.forEach((v, i) => expect(v.variant).toBe(i));
    }
  });

  it('reads back the answer it renders, under every variation (round trip)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: records.length - 1 }), fc.integer(), (i, seed) => {
        const r = records[i]!;
        for (const v of task.variations(r, task.defaultVariations, new Rng(seed))) {
          const answers = v.choices ?? (name === 'judgement' ? ['0', '1'] : [r.gold as string, '0', '57']);
          for (const answer of answers) expect(task.parseAnswer(task.renderAnswer(answer, v, r), v)).toBe(answer);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('writes the gold completion as the rendered gold answer of the original prompt', () => {
    for (const r of records) {
      const [original] = task.variations(r, 1, new Rng(0));
      expect(task.goldCompletion(r)).toBe(task.renderAnswer(r.gold as string, original!, r));
      expect(task.parseAnswer(task.goldCompletion(r) as string, original!)).toBe(r.gold);
    }
  });

  it('reads its records back from JSON Lines rows (fromRow)', () => {
    records.slice(0, 20).forEach((r, i) => {
      const row = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
      delete row.id;
      delete row.gold;
      expect(task.fromRow(row, at('val', i))).toEqual(r);
    });
  });

  it('names the world fact each record asks about', () => {
    const facts = records.map((r) => family.factOf(r));
    expect(new Set(facts).size).toBe(records.length);
    const known = new Set([...world.entities.map((e) => e.name)]);
    for (const fact of facts) {
      if (name === 'arithmetic') expect(world.arithmetic.some((f) => factKey(f) === fact && f.role === 'val')).toBe(true);
      else expect(known.has(fact.split('/')[0]!)).toBe(true);
    }
  });

  it('refuses a bad row with a W2sError naming file, line and field (exit code 2)', () => {
    const row = JSON.parse(JSON.stringify(records[0])) as Record<string, unknown>;
    const field = name === 'arithmetic' ? 'a' : name === 'judgement' ? 'label' : 'answer';
    row[field] = 'seven';
    expectBadInput(() => task.fromRow(row, at('val', 4)), 'val.jsonl', 'line 5', `field "${field}"`);
    const entityless = { ...row, [field]: (records[0] as unknown as Record<string, unknown>)[field] };
    delete entityless.entity;
    expectBadInput(() => task.fromRow(entityless, at('val', 0)), 'line 1', 'field "entity"', 'missing field');
  });

  it('keeps the three splits apart: no fact is asked in two of them', () => {
    const keyOf = (r: Question, split: SplitName): string => {
      if (name === 'arithmetic') {
        const { a, b, op, answer } = r as ArithmeticRecord;
        return factKey({ a, b, op, result: answer, role: split });
      }
      return factKey({ entity: (r as KnowledgeRecord).entity, attribute: (r as KnowledgeRecord).attribute });
    };
    const seen = new Map<string, SplitName>();
    for (const split of SPLITS) {
      for (const r of family.records(world, split)) {
        const key = keyOf(r, split);
        expect(seen.get(key) ?? split, key).toBe(split);
        seen.set(key, split);
      }
    }
    expect(seen.size).toBe(SPLITS.reduce((n, split) => n + family.records(world, split).length, 0));
  });
});

describe('synthetic multiple-choice records', () => {
  it.each(['knowledge', 'continuation'] as const)('%s: show gold first with the configured probability', (name) => {
    const family = getFamily(name);
    const slots = (goldFirst?: number): number[] =>
      family.records(world, 'test', goldFirst === undefined ? {} : { goldFirst }).map((r) => (r as KnowledgeRecord).answer);
    expect(slots(1).every((s) => s === 0)).toBe(true);
    expect(slots(0).every((s) => s > 0)).toBe(true);
    const balanced = slots();
    for (let s = 0; s < 4; s++) expect(balanced.filter((x) => x === s).length / balanced.length).toBeGreaterThan(0.12);
    for (const r of family.records(world, 'test')) {
      const mc = r as KnowledgeRecord;
      expect(mc.choices[mc.answer]).toBe(mc.gold);
      expect(new Set(mc.choices).size).toBe(4);
    }
  });

  it('answer with the option text, and read a text, a letter, a text then its letter, or a contradiction as null', () => {
    const { task } = getFamily('knowledge');
    const [r] = getFamily('knowledge').records(world, 'test') as KnowledgeRecord[];
    const v = { choices: ['red', 'blue', 'gold', 'pink'], prompt: '' };
    expect(task.renderAnswer('gold', v, r)).toBe(' gold');
    expect(task.parseAnswer(' gold', v)).toBe('gold');
    expect(task.parseAnswer(' gold (C)', v)).toBe('gold');
    expect(task.parseAnswer(' C.', v)).toBe('gold');
    expect(task.parseAnswer(' gold (A)', v)).toBeNull();
    expect(task.parseAnswer(' green (C)', v)).toBeNull();
  });
});

describe('synthetic judgement records', () => {
  const family = getFamily('judgement');

  it('judge by the custom of the entity acted on, half of them right and half wrong', () => {
    for (const split of SPLITS) {
      const records = family.records(world, split) as JudgementRecord[];
      expect(records.filter((r) => r.label === 0).length).toBe(records.length / 2);
      for (const r of records) {
        const entity = world.entities.find((e) => e.name === r.entity)!;
        expect(entity.role).toBe(split);
        expect(r.label).toBe(entity.customs[r.attribute]);
        const [actor, act, target] = r.input.split(' ');
        expect(target).toBe(r.entity);
        expect(actor).not.toBe(r.entity);
        expect(world.entities.find((e) => e.name === actor)?.role).toBe(split);
        expect(act).toBe(CUSTOMS.find((c) => c.name === r.attribute)?.third);
      }
    }
  });

  it('list the gold label word first with the configured probability', () => {
    const goldFirst = (p: number): boolean[] =>
      (family.records(world, 'test', { goldFirst: p }) as JudgementRecord[]).map((r) => r.order === r.label);
    expect(goldFirst(1).every(Boolean)).toBe(true);
    expect(goldFirst(0).some(Boolean)).toBe(false);
    const [r] = family.records(world, 'test', { goldFirst: 1 }) as JudgementRecord[];
    expect(family.task.prompt(r!)).toContain(r!.label === 0 ? 'right or wrong' : 'wrong or right');
  });

  it('parse the first label word of the first line', () => {
    const v = { prompt: 'judge right or wrong : zoba hides the keys , which is' };
    expect(family.task.parseAnswer(' wrong', v)).toBe('1');
    expect(family.task.parseAnswer(' right , not wrong', v)).toBe('0');
    expect(family.task.parseAnswer(' maybe', v)).toBeNull();
  });
});

describe('synthetic arithmetic paraphrases', () => {
  const family = getFamily('arithmetic');

  it('state the same problem in every wording, ending with its equation in either operand order for sums', () => {
    const orders = new Set<string>();
    for (const r of family.records(world, 'test') as ArithmeticRecord[]) {
      for (const v of family.task.variations(r, 5, Rng.derive(2, r.id))) {
        expect(v.prompt).not.toMatch(/[{}]/);
        const numbers = (v.prompt.match(/\d+/g) ?? []).map(Number).sort((x, y) => x - y);
        expect(numbers).toEqual([r.a, r.a, r.b, r.b].sort((x, y) => x - y));
        const equation = / (\d+) (plus|minus) (\d+) is$/.exec(v.prompt);
        expect(equation?.[2]).toBe(r.op);
        const operands = [Number(equation?.[1]), Number(equation?.[3])];
        expect(r.op === 'minus' ? operands : [...operands].sort((x, y) => x - y)).toEqual(r.op === 'minus' ? [r.a, r.b] : [r.a, r.b].sort((x, y) => x - y));
        if (r.op === 'plus' && r.a !== r.b) orders.add(operands[0] === r.a ? 'a first' : 'b first');
      }
      expect(r.answer).toBe(r.op === 'plus' ? r.a + r.b : r.a - r.b);
      expect(r.gold).toBe(String(r.answer));
    }
    expect(orders).toEqual(new Set(['a first', 'b first']));
  });

  it('refuses more variations than there are wordings', () => {
    const [r] = family.records(world, 'test');
    expect(() => family.task.variations(r!, 7, new Rng(1))).toThrow(RangeError);
  });
});

describe('synthetic families', () => {
  it('are the four task families, with N = 5, 5, 2, 5', () => {
    expect(allFamilies().map((f) => f.task.name)).toEqual(['synthetic-knowledge', 'synthetic-continuation', 'synthetic-judgement', 'synthetic-arithmetic']);
    expect(allFamilies().map((f) => f.task.defaultVariations)).toEqual([5, 5, 2, 5]);
    expect(allFamilies().map((f) => f.task.variationKind)).toEqual(['permutation', 'permutation', 'label-swap', 'paraphrase']);
  });
});
