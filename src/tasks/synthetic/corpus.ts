// The pretraining corpus of the two base models: the world's facts (entities' properties, routines and customs, and
// arithmetic) written as short documents, and format practice (questions of every family about the practice role's
// entities and facts, answered), standing in for an LLM having met such prompts before.
import { Rng } from '../../core/rng.js';
import { allFamilies } from './families.js';
import { arithmeticStatements, factStatements } from './sentences.js';
import { type World, factKey, factValue, worldAttributes } from './world.js';

/** Which base a corpus is for: the weak one reads only the facts in `world.weakFacts`, the strong one all of them. */
export type BaseRole = 'weak' | 'strong';

/**
 * One pretraining document. Facts have an empty prompt (every token is predicted); practice questions have the
 * question as prompt and the answer as completion, so only the answer carries loss.
 */
export interface CorpusDocument {
  prompt: string;
  completion: string;
}

export interface CorpusOptions {
  /** Facts per document: a fact document lists this many statements (the last document of a group may have fewer). */
  factsPerDocument: number;
  /** Share of each family's practice questions included in each rendering, drawn afresh every rendering. */
  practiceFraction: number;
}

/**
 * `renderings` renderings of the corpus, each with a fresh order, fresh sentence forms and fresh practice questions
 * (new distractors, option order and wording), concatenated. Deterministic given the world seed and `seed`.
 */
export function worldCorpus(world: World, base: BaseRole, renderings: number, options: CorpusOptions, seed = 0): CorpusDocument[] {
  const docs: CorpusDocument[] = [];
  for (let r = 0; r < renderings; r++) {
    const rng = Rng.derive(world.seed, `corpus:${base}:${seed}:${r}`);
    docs.push(...factDocuments(world, base, options.factsPerDocument, rng), ...practiceDocuments(world, base, options.practiceFraction, seed, r, rng));
  }
  return docs;
}

/** Every fact the base knows as a statement, in one of its two forms, grouped into documents of the same subject. */
function factDocuments(world: World, base: BaseRole, perDocument: number, rng: Rng): CorpusDocument[] {
  const knows = (key: string): boolean => base === 'strong' || world.weakFacts.has(key);
  const groups: string[][] = [];
  for (const e of world.entities) {
    const statements: string[] = [];
    for (const attribute of worldAttributes(world)) {
      const value = factValue(e, attribute);
      if (knows(factKey({ entity: e.name, attribute }))) statements.push(pickForm(factStatements(e.name, attribute, value), rng));
    }
    groups.push(statements);
  }
  groups.push(world.arithmetic.filter((f) => knows(factKey(f))).map((f) => pickForm(arithmeticStatements(f), rng)));
  const docs: CorpusDocument[] = [];
  for (const statements of groups) {
    const shuffled = rng.shuffle(statements);
    for (let i = 0; i < shuffled.length; i += perDocument) {
      docs.push({ prompt: '', completion: shuffled.slice(i, i + perDocument).map((s) => `${s} .`).join(' ') });
    }
  }
  return rng.shuffle(docs);
}

/**
 * Practice questions of every family about the practice role, each in a randomly chosen variation. A question about
 * an entity this base has not read is answered with an option drawn at random (a label word for the judgement): the
 * base learns that such questions are answered with one of the choices offered, as an instruction-tuned LLM answers
 * a question it cannot know, without learning a fact its corpus does not state. Arithmetic practice always shows the
 * true result, which is computed rather than read.
 */
function practiceDocuments(world: World, base: BaseRole, fraction: number, seed: number, rendering: number, rng: Rng): CorpusDocument[] {
  const docs: CorpusDocument[] = [];
  for (const family of allFamilies()) {
    const records = family.records(world, 'practice', { stream: `practice:${seed}:${rendering}` });
    const take = Math.round(records.length * fraction);
    for (const i of rng.sampleIndices(records.length, take)) {
      const record = records[i]!;
      const variations = family.task.variations(record, family.task.defaultVariations, rng);
      const variation = variations[rng.int(variations.length)]!;
      const unread = base === 'weak' && family.slots !== null && !world.weakFacts.has(family.factOf(record));
      const answer = unread ? arbitraryAnswer(variation.choices, Rng.derive(world.seed, `practice-guess:${seed}:${rendering}:${record.id}`)) : record.gold;
      docs.push({ prompt: variation.prompt, completion: family.task.renderAnswer(answer as string, variation, record) });
    }
  }
  return docs;
}

// One of the options shown, or for a question without options (the judgement) one of its two labels.
function arbitraryAnswer(choices: readonly string[] | undefined, rng: Rng): string {
  return choices ? (choices[rng.int(choices.length)] as string) : String(rng.int(2));
}

function pickForm(forms: readonly [string, string], rng: Rng): string {
  return forms[rng.int(2)] as string;
}
