// How the world's facts are written: two sentence forms per fact, so a model meets each fact in more than one
// wording and has to store the fact rather than one string.
import { CUSTOMS, type Custom, SITUATIONS } from './lexicon.js';
import type { ArithmeticFact } from './world.js';

const PROPERTY_FORMS: Readonly<Record<string, readonly [string, string]>> = {
  color: ['{e} is {v}', 'the color of {e} is {v}'],
  food: ['{e} eats {v}', 'the food of {e} is {v}'],
  pet: ['{e} keeps a {v}', 'the pet of {e} is a {v}'],
  home: ['{e} lives by the {v}', 'the home of {e} is the {v}'],
};

/**
 * The two statements (without the final full stop) that an entity's attribute has the value `value` (for a custom,
 * the label word: "waking zorbo is wrong").
 */
export function factStatements(entity: string, attribute: string, value: string): [string, string] {
  const forms = PROPERTY_FORMS[attribute];
  if (forms) return [fill(forms[0], entity, value), fill(forms[1], entity, value)];
  const custom = CUSTOMS.find((c) => c.name === attribute);
  if (custom) return [`${custom.gerund} ${entity} is ${value}`, `someone ${custom.third} ${entity} , which is ${value}`];
  const situation = SITUATIONS.find((s) => s.name === attribute);
  if (!situation) throw new RangeError(`unknown attribute "${attribute}"`);
  return [`${situation.lead} ${entity} ${value}`, `${entity} ${value} ${situation.lead}`];
}

/** A property statement in its second form without the value, as a cloze ("the color of zorbo is"). */
export function propertyCloze(entity: string, attribute: string): string {
  const forms = PROPERTY_FORMS[attribute];
  if (!forms) throw new RangeError(`unknown property "${attribute}"`);
  return fill(forms[1], entity, '').trimEnd();
}

/** A story of one entity doing a custom's act to another ("tamer wakes zorbo"), without its label. */
export function customStory(actor: string, custom: Custom, entity: string): string {
  return `${actor} ${custom.third} ${entity}`;
}

/** The two statements of an arithmetic fact. */
export function arithmeticStatements(fact: Pick<ArithmeticFact, 'a' | 'b' | 'op' | 'result'>): [string, string] {
  return [`${fact.a} ${fact.op} ${fact.b} is ${fact.result}`, `${fact.result} is ${fact.a} ${fact.op} ${fact.b}`];
}

function fill(form: string, entity: string, value: string): string {
  return form.replace('{e}', entity).replace('{v}', value);
}
