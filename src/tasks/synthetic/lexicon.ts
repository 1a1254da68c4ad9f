// The words of the synthetic world: attribute values, situations, arithmetic objects, and made-up entity names.
// Every word is lowercase letters only, so each is one token of the closed-vocabulary tokenizer.
import type { Rng } from '../../core/rng.js';

/** A single-word property of an entity, asked about by the knowledge and judgement families. */
export interface PropertyAttribute {
  readonly name: string;
  readonly values: readonly string[];
}

/** A routine of an entity: what it does in a situation (a multi-word activity), asked by the continuation family. */
export interface Situation {
  readonly name: string;
  /** How a sentence about the routine starts, before the entity's name ("every morning"). */
  readonly lead: string;
}

export const PROPERTIES: readonly PropertyAttribute[] = [
  { name: 'color', values: ['red', 'blue', 'green', 'gold', 'pink', 'gray', 'white', 'black', 'brown', 'purple'] },
  { name: 'food', values: ['bread', 'rice', 'plums', 'fish', 'beans', 'soup', 'cheese', 'honey', 'nuts', 'apples'] },
  { name: 'pet', values: ['goat', 'cat', 'dog', 'horse', 'owl', 'frog', 'duck', 'fox', 'hen', 'pig'] },
  { name: 'home', values: ['lake', 'hill', 'forest', 'coast', 'valley', 'river', 'marsh', 'meadow', 'island', 'desert'] },
];

export const SITUATIONS: readonly Situation[] = [
  { name: 'morning', lead: 'every morning' },
  { name: 'evening', lead: 'every evening' },
  { name: 'rain', lead: 'when it rains' },
  { name: 'holiday', lead: 'on holidays' },
];

/** The activities a routine can be; each is a verb phrase of two or three words. */
export const ACTIVITIES: readonly string[] = [
  'climbs the tower',
  'sings a song',
  'reads a book',
  'bakes a cake',
  'feeds the birds',
  'paints the fence',
  'sweeps the floor',
  'plays the drum',
  'writes a letter',
  'fixes the roof',
  'visits a friend',
  'counts the stars',
];

/** The words a custom's statement ends with: index 0 names label 0 (right), index 1 label 1 (wrong). */
export const JUDGEMENT_WORDS = ['right', 'wrong'] as const;

/** An act towards an entity; whether it is right or wrong depends on the entity (its custom). */
export interface Custom {
  readonly name: string;
  readonly third: string;
  readonly gerund: string;
}

/** The acts whose rightness each entity's customs decide, asked by the judgement family. */
export const CUSTOMS: readonly Custom[] = [
  { name: 'visit', third: 'visits', gerund: 'visiting' },
  { name: 'wake', third: 'wakes', gerund: 'waking' },
  { name: 'thank', third: 'thanks', gerund: 'thanking' },
];

/** The things counted in arithmetic problems. */
export const OBJECTS: readonly string[] = ['coins', 'eggs', 'books', 'stones', 'cups', 'shells'];

// Names are built from these syllables: consonant-vowel pairs plus an optional final consonant, a few thousand
// pronounceable forms, none of them an English word used elsewhere in the world.
const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z'];
const VOWELS = ['a', 'e', 'i', 'o', 'u'];
const CODAS = ['', 'n', 'r', 'l', 'k'];

/** `count` distinct made-up names of two syllables (and an optional final consonant), avoiding `reserved` words. */
export function entityNames(count: number, rng: Rng, reserved: ReadonlySet<string>): string[] {
  const names = new Set<string>();
  const capacity = (ONSETS.length * VOWELS.length) ** 2 * CODAS.length;
  if (count > capacity / 2) throw new RangeError(`entityNames: at most ${Math.floor(capacity / 2)} names, ${count} asked`);
  const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)] as T;
  while (names.size < count) {
    const name = pick(ONSETS) + pick(VOWELS) + pick(ONSETS) + pick(VOWELS) + pick(CODAS);
    if (!reserved.has(name)) names.add(name);
  }
  return [...names];
}
