import { describe, expect, it } from 'vitest';
import { ACTIVITIES, CUSTOMS, PROPERTIES, SITUATIONS } from '../../../src/tasks/synthetic/lexicon.js';
import { ROLES, buildWorld, entitiesOf, factKey, reservedWords, worldAttributes } from '../../../src/tasks/synthetic/world.js';
import { SMALL_WORLD, smallWorld } from './helpers.js';

describe('buildWorld', () => {
  it('is deterministic given the seed, and another seed gives another world', () => {
    const a = smallWorld(3);
    const b = smallWorld(3);
    expect(JSON.stringify({ ...a, weakFacts: [...a.weakFacts] })).toBe(JSON.stringify({ ...b, weakFacts: [...b.weakFacts] }));
    const c = smallWorld(4);
    expect(c.entities.map((e) => e.name)).not.toEqual(a.entities.map((e) => e.name));
  });

  it('has the configured entities per role, with distinct names that are no other word of the world', () => {
    const world = smallWorld();
    for (const role of ROLES) expect(entitiesOf(world, role)).toHaveLength(SMALL_WORLD.entities[role]);
    const names = world.entities.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    const reserved = reservedWords();
    for (const name of names) {
      expect(name).toMatch(/^[a-z]+$/);
      expect(reserved.has(name)).toBe(false);
    }
  });

  it('gives every entity one value of each property, one activity per situation and a label per custom', () => {
    for (const e of smallWorld().entities) {
      expect(Object.keys(e.customs)).toEqual(CUSTOMS.map((c) => c.name));
      for (const p of PROPERTIES) expect(p.values).toContain(e.properties[p.name]);
      for (const s of SITUATIONS) expect(ACTIVITIES).toContain(e.routines[s.name]);
    }
  });

  it('deals every arithmetic problem to exactly one role, with correct results', () => {
    const world = smallWorld();
    const keys = world.arithmetic.map(factKey);
    expect(new Set(keys).size).toBe(keys.length);
    // Sums of 1..10 and 1..10, and the differences that stay positive.
    expect(keys).toHaveLength(100 + 45);
    for (const f of world.arithmetic) {
      expect(f.result).toBe(f.op === 'plus' ? f.a + f.b : f.a - f.b);
      expect(f.result).toBeGreaterThan(0);
    }
    for (const role of ROLES) expect(world.arithmetic.some((f) => f.role === role)).toBe(true);
  });

  it('lets the weak base know the configured share of every role\'s entities (all their facts) and arithmetic', () => {
    const world = smallWorld();
    for (const role of ROLES) {
      for (const attribute of worldAttributes(world)) {
        const keys = entitiesOf(world, role).map((e) => factKey({ entity: e.name, attribute }));
        expect(keys.filter((k) => world.weakFacts.has(k)).length).toBe(Math.round(keys.length * SMALL_WORLD.weakFactShare));
      }
    }
    for (const e of world.entities) {
      const known = worldAttributes(world).map((attribute) => world.weakFacts.has(factKey({ entity: e.name, attribute })));
      expect(new Set(known).size, `${e.name}: all of its facts or none`).toBe(1);
    }
    for (const role of ROLES) {
      for (const op of ['plus', 'minus'] as const) {
        const facts = world.arithmetic.filter((f) => f.role === role && f.op === op);
        expect(facts.filter((f) => world.weakFacts.has(factKey(f))).length).toBe(Math.round(facts.length * SMALL_WORLD.weakFactShare));
      }
    }
    const all = buildWorld(7, { ...SMALL_WORLD, weakFactShare: 1 });
    expect(all.weakFacts.size).toBe(all.entities.length * (4 + 4 + CUSTOMS.length) + all.arithmetic.length);
  });

  it('gives each custom the label right to exactly half of every role\'s entities', () => {
    const world = smallWorld();
    for (const role of ROLES) {
      for (const custom of CUSTOMS) {
        const labels = entitiesOf(world, role).map((e) => e.customs[custom.name]);
        expect(labels.filter((l) => l === 0).length).toBe(Math.ceil(labels.length / 2));
        expect(labels.every((l) => l === 0 || l === 1)).toBe(true);
      }
    }
  });

  it('rejects a config without entities in a role', () => {
    expect(() => buildWorld(1, { ...SMALL_WORLD, entities: { ...SMALL_WORLD.entities, val: 0 } })).toThrow(/entities.val/);
  });
});
