// The synthetic world: made-up entities with properties, routines and customs (whether an act towards them is right
// or wrong), and an arithmetic table. It is the knowledge both base models are pretrained on (corpus.ts) and that the
// four task families ask about.
import { Rng } from '../../core/rng.js';
import {
  ACTIVITIES,
  CUSTOMS,
  JUDGEMENT_WORDS,
  OBJECTS,
  PROPERTIES,
  SITUATIONS,
  type Situation,
  entityNames,
} from './lexicon.js';

/** What an entity or an arithmetic fact is used for: asked in one of the SFT splits, or format practice. */
export type Role = 'train' | 'val' | 'test' | 'practice';

export const ROLES: readonly Role[] = ['train', 'val', 'test', 'practice'];

export interface WorldConfig {
  /** Entities per role. Questions about an entity are asked only in its role's split, so splits share no fact. */
  entities: Readonly<Record<Role, number>>;
  /** How many of the situations (SITUATIONS, in order) entities have a routine for: 1 to 4. */
  situations: number;
  /** Arithmetic problems use operands 1..maxOperand (sums, and differences that stay positive). */
  maxOperand: number;
  /**
   * Share of the world the weak base's corpus describes: of each role's entities (all facts of those, none of the
   * others) and of its arithmetic facts. The strong base's corpus describes everything. A weak model that does not
   * know has to guess, which is what its prompt variations expose.
   */
  weakFactShare: number;
}

export interface Entity {
  name: string;
  role: Role;
  /** Property name -> value (PROPERTIES). */
  properties: Readonly<Record<string, string>>;
  /** Situation name -> activity, for the world's situations ({@link worldSituations}). */
  routines: Readonly<Record<string, string>>;
  /** Custom name -> 0 when the act towards this entity is right, 1 when it is wrong (CUSTOMS). */
  customs: Readonly<Record<string, 0 | 1>>;
}

export type Operation = 'plus' | 'minus';

export interface ArithmeticFact {
  a: number;
  b: number;
  op: Operation;
  result: number;
  role: Role;
}

export interface World {
  seed: number;
  config: WorldConfig;
  entities: readonly Entity[];
  arithmetic: readonly ArithmeticFact[];
  /** Keys ({@link factKey}) of the facts the weak base's corpus states. */
  weakFacts: ReadonlySet<string>;
}

/** A fact's key: `<entity>/<property, situation or custom>` for entity facts, `<a> <op> <b>` for arithmetic. */
export function factKey(fact: { entity: string; attribute: string } | Pick<ArithmeticFact, 'a' | 'b' | 'op'>): string {
  return 'entity' in fact ? `${fact.entity}/${fact.attribute}` : `${fact.a} ${fact.op} ${fact.b}`;
}

/** Every word the world's values and names use (property values, activities, acts, objects). */
export function reservedWords(): Set<string> {
  const words = new Set<string>();
  const add = (text: string): void => text.split(' ').forEach((w) => words.add(w));
  PROPERTIES.forEach((p) => {
    add(p.name);
    p.values.forEach(add);
  });
  SITUATIONS.forEach((s) => add(s.lead));
  ACTIVITIES.forEach(add);
  CUSTOMS.forEach((c) => [c.name, c.third, c.gerund].forEach(add));
  JUDGEMENT_WORDS.forEach(add);
  OBJECTS.forEach(add);
  return words;
}

/** The world of a seed: deterministic, every random choice drawn from streams derived from the seed. */
export function buildWorld(seed: number, config: WorldConfig): World {
  validateConfig(config);
  const total = ROLES.reduce((sum, role) => sum + config.entities[role], 0);
  const names = entityNames(total, Rng.derive(seed, 'world:names'), reservedWords());
  const roles = ROLES.flatMap((role) => Array.from({ length: config.entities[role] }, () => role));
  const valueRng = Rng.derive(seed, 'world:values');
  const customs = customLabels(seed, roles);
  const entities: Entity[] = names.map((name, i) => ({
    name,
    role: roles[i] as Role,
    properties: Object.fromEntries(PROPERTIES.map((p) => [p.name, p.values[valueRng.int(p.values.length)] as string])),
    routines: Object.fromEntries(SITUATIONS.slice(0, config.situations).map((s) => [s.name, ACTIVITIES[valueRng.int(ACTIVITIES.length)] as string])),
    customs: Object.fromEntries(CUSTOMS.map((c) => [c.name, customs.get(c.name)?.[i] ?? 0])),
  }));
  const arithmetic = dealRoles(seed, config, arithmeticProblems(config));
  return { seed, config, entities, arithmetic, weakFacts: weakFactKeys(seed, config, entities, arithmetic) };
}

// Each custom is right for exactly half of every role's entities (rounded), which half drawn at random, so that a
// judgement split is balanced.
function customLabels(seed: number, roles: readonly Role[]): Map<string, (0 | 1)[]> {
  const out = new Map<string, (0 | 1)[]>();
  for (const custom of CUSTOMS) {
    const labels = new Array<0 | 1>(roles.length).fill(0);
    for (const role of ROLES) {
      const members = roles.flatMap((r, i) => (r === role ? [i] : []));
      Rng.derive(seed, `world:custom:${custom.name}:${role}`)
        .shuffle(members)
        .forEach((i, k) => (labels[i] = k % 2 === 0 ? 0 : 1));
    }
    out.set(custom.name, labels);
  }
  return out;
}

function arithmeticProblems(config: WorldConfig): Omit<ArithmeticFact, 'role'>[] {
  const problems: Omit<ArithmeticFact, 'role'>[] = [];
  for (let a = 1; a <= config.maxOperand; a++) {
    for (let b = 1; b <= config.maxOperand; b++) {
      problems.push({ a, b, op: 'plus', result: a + b });
      if (b < a) problems.push({ a, b, op: 'minus', result: a - b });
    }
  }
  return problems;
}

/**
 * The equation group of a fact: a sum and its commuted twin ("7 plus 5", "5 plus 7") are one group, because the
 * paraphrases of a sum state it in either order; a difference is a group of its own.
 */
export function equationGroup(fact: Pick<ArithmeticFact, 'a' | 'b' | 'op'>): string {
  return fact.op === 'plus' ? `${Math.min(fact.a, fact.b)} plus ${Math.max(fact.a, fact.b)}` : `${fact.a} minus ${fact.b}`;
}

// Arithmetic facts are dealt to the roles in the proportions of the entity roles, so each split asks its own facts.
// Whole equation groups are dealt, so no prompt of one split (any paraphrase) states an equation of another.
function dealRoles(seed: number, config: WorldConfig, facts: readonly Omit<ArithmeticFact, 'role'>[]): ArithmeticFact[] {
  const groups = new Map<string, Omit<ArithmeticFact, 'role'>[]>();
  for (const fact of facts) groups.set(equationGroup(fact), [...(groups.get(equationGroup(fact)) ?? []), fact]);
  const order = Rng.derive(seed, 'world:arithmetic').shuffle([...groups.values()]);
  const total = ROLES.reduce((sum, role) => sum + config.entities[role], 0);
  const out: ArithmeticFact[] = [];
  let dealt = 0;
  let r = 0;
  for (const group of order) {
    // The next role once this one has its share of the facts (the last role takes the rest).
    while (r < ROLES.length - 1 && dealt >= Math.round((facts.length * cumulative(config, r)) / total)) r++;
    for (const fact of group) out.push({ ...fact, role: ROLES[r] as Role });
    dealt += group.length;
  }
  return out;
}

/** Entities of the roles up to and including role index r. */
function cumulative(config: WorldConfig, r: number): number {
  return ROLES.slice(0, r + 1).reduce((sum, role) => sum + config.entities[role], 0);
}

// The weak corpus describes a share of each role's entities, with all their facts, and says nothing of the others:
// a name it has never read is a clear "I do not know", as for an LLM asked about something it never met. Arithmetic
// facts are shared out one by one, the same share of each role and operation.
function weakFactKeys(seed: number, config: WorldConfig, entities: readonly Entity[], arithmetic: readonly ArithmeticFact[]): Set<string> {
  const known = new Set<string>();
  const take = <T>(group: string, items: readonly T[]): T[] =>
    Rng.derive(seed, `world:weak:${group}`).shuffle(items).slice(0, Math.round(items.length * config.weakFactShare));
  for (const role of ROLES) {
    for (const e of take(role, entities.filter((x) => x.role === role))) {
      for (const attribute of attributesOf(config)) known.add(factKey({ entity: e.name, attribute }));
    }
    for (const op of ['plus', 'minus'] as const) {
      for (const f of take(`${role}/${op}`, arithmetic.filter((x) => x.role === role && x.op === op))) known.add(factKey(f));
    }
  }
  return known;
}

function validateConfig(config: WorldConfig): void {
  for (const role of ROLES) {
    const n = config.entities[role];
    if (!Number.isInteger(n) || n < 2) throw new RangeError(`world: entities.${role} must be an integer >= 2, got ${n}`);
  }
  if (!Number.isInteger(config.situations) || config.situations < 1 || config.situations > SITUATIONS.length) {
    throw new RangeError(`world: situations must be an integer in 1..${SITUATIONS.length}, got ${config.situations}`);
  }
  if (!Number.isInteger(config.maxOperand) || config.maxOperand < 2) throw new RangeError(`world: maxOperand must be an integer >= 2`);
  if (!(config.weakFactShare >= 0 && config.weakFactShare <= 1)) throw new RangeError(`world: weakFactShare must be in [0, 1]`);
}

/** The situations the world's entities have routines for. */
export function worldSituations(world: World): readonly Situation[] {
  return SITUATIONS.slice(0, world.config.situations);
}

function attributesOf(config: WorldConfig): string[] {
  return [...PROPERTIES.map((p) => p.name), ...SITUATIONS.slice(0, config.situations).map((s) => s.name), ...CUSTOMS.map((c) => c.name)];
}

/** The attributes (properties, situations, customs) each entity of the world has a fact for. */
export function worldAttributes(world: World): string[] {
  return attributesOf(world.config);
}

/** The value of an entity's attribute: a property value, an activity, or a custom's label word. */
export function factValue(entity: Entity, attribute: string): string {
  const custom = entity.customs[attribute];
  if (custom !== undefined) return JUDGEMENT_WORDS[custom];
  const value = entity.properties[attribute] ?? entity.routines[attribute];
  if (value === undefined) throw new RangeError(`entity ${entity.name} has no attribute "${attribute}"`);
  return value;
}

/** The entities of one role, in world order. */
export function entitiesOf(world: World, role: Role): Entity[] {
  return world.entities.filter((e) => e.role === role);
}

/** Values the world uses for an attribute (property or situation): the options a question draws distractors from. */
export function attributeValues(attribute: string): readonly string[] {
  const property = PROPERTIES.find((p) => p.name === attribute);
  if (property) return property.values;
  if (SITUATIONS.some((s) => s.name === attribute)) return ACTIVITIES;
  throw new RangeError(`unknown attribute "${attribute}"`);
}
