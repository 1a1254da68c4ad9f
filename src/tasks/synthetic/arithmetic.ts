// Numeric word problems (like GSM8K): an entity gets or loses things; how many does it have then? The variations are
// paraphrases (docs/method.md Sec. 4.1): the same problem in the other templates. Each template ends with the problem's
// equation as the corpus states arithmetic ("7 plus 5 is"), because a model this small does not learn to turn a word
// problem into the fact it knows (measured: a weak model answered 0.20 of problems whose fact it had read and 0.19
// of the others). Sums are written in either operand order, and the two orders are separate facts of the corpus, so
// a paraphrase can ask for a fact the weak model lacks while the original asks for one it has.
import { z } from 'zod';
import type { Rng } from '../../core/rng.js';
import { parseFirstLineNumber } from '../numeric.js';
import type { Question, Task } from '../types.js';
import { integer, validateRow } from '../validate.js';
import {
  type RecordOptions,
  SYNTHETIC_SOURCE_SPLITS,
  SYNTHETIC_SPLIT_PLAN,
  chooseQueries,
  recordRng,
  syntheticSourceSplitOf,
  taskNameOf,
  wordsSchema,
} from './family.js';
import { OBJECTS } from './lexicon.js';
import { type Operation, type Role, type World, entitiesOf } from './world.js';

export interface ArithmeticRecord extends Question {
  entity: string;
  /** What is counted (`coins`, ...). */
  object: string;
  a: number;
  b: number;
  op: Operation;
  /** The problem as the original prompt states it (template 0). */
  question: string;
  answer: number;
}

// Template 0 is the original wording; the others are its paraphrases. {a} is what the entity had, {b} what it got
// or lost.
const TEMPLATES: Readonly<Record<Operation, readonly string[]>> = {
  plus: [
    '{e} has {a} {o} and gets {b} more . {a} plus {b} is',
    '{e} gets {b} {o} and had {a} before . {b} plus {a} is',
    '{e} had {a} {o} , then got {b} more {o} . {a} plus {b} is',
    '{b} {o} are given to {e} , who had {a} . {b} plus {a} is',
    'with {a} {o} , {e} gets {b} more . {a} plus {b} is',
    'after getting {b} {o} , {e} adds them to {a} . {b} plus {a} is',
  ],
  minus: [
    '{e} has {a} {o} and loses {b} . {a} minus {b} is',
    '{e} loses {b} {o} and had {a} before . {a} minus {b} is',
    '{e} had {a} {o} , then lost {b} of them . {a} minus {b} is',
    '{b} {o} are taken from {e} , who had {a} . {a} minus {b} is',
    'with {a} {o} , {e} loses {b} . {a} minus {b} is',
    'after losing {b} {o} , {e} has what is left of {a} . {a} minus {b} is',
  ],
};

/** How many wordings a problem has (its original and the paraphrases to choose from). */
export const ARITHMETIC_TEMPLATES = TEMPLATES.plus.length;

const NAME = taskNameOf('arithmetic');

/** The problem in template `template`. */
export function arithmeticQuestion(record: Pick<ArithmeticRecord, 'entity' | 'object' | 'a' | 'b' | 'op'>, template: number): string {
  const form = TEMPLATES[record.op][template];
  if (form === undefined) throw new RangeError(`no template ${template}`);
  return form.replaceAll('{e}', record.entity).replaceAll('{o}', record.object).replaceAll('{a}', String(record.a)).replaceAll('{b}', String(record.b));
}

/** The prompt (App. B.4 in spirit, short): the problem, whose last words ask for the number. */
export function arithmeticPrompt(question: string): string {
  return `problem : ${question}`;
}

/**
 * The problems of a role: one per arithmetic fact of the role, `count` of them, each about an entity of the role and
 * an object, both drawn at random.
 */
export function arithmeticRecords(world: World, role: Role, options: RecordOptions = {}): ArithmeticRecord[] {
  const facts = world.arithmetic.filter((f) => f.role === role);
  const entities = entitiesOf(world, role);
  return chooseQueries(world, 'arithmetic', role, facts, options.count).map((fact, i) => {
    const rng = recordRng(world, 'arithmetic', role, i, options.stream);
    const entity = (entities[rng.int(entities.length)] as { name: string }).name;
    const object = OBJECTS[rng.int(OBJECTS.length)] as string;
    const problem = { entity, object, a: fact.a, b: fact.b, op: fact.op };
    return { id: `${NAME}/${role}/${i}`, gold: String(fact.result), ...problem, question: arithmeticQuestion(problem, 0), answer: fact.result };
  });
}

/** The n wordings of a problem: the original first, then n - 1 of the other templates in a random order. */
function paraphraseTemplates(n: number, rng: Rng): number[] {
  if (!Number.isInteger(n) || n < 1 || n > ARITHMETIC_TEMPLATES) {
    throw new RangeError(`${NAME}: N must be in 1..${ARITHMETIC_TEMPLATES} (the problem's wordings), got ${n}`);
  }
  const others = Array.from({ length: ARITHMETIC_TEMPLATES - 1 }, (_, i) => i + 1);
  return [0, ...rng.shuffle(others).slice(0, n - 1)];
}

const rowSchema = z.object({
  entity: wordsSchema,
  object: wordsSchema,
  a: integer,
  b: integer,
  op: z.enum(['plus', 'minus'], { error: 'expected "plus" or "minus"' }),
});

/** The arithmetic task. */
export function arithmeticTask(): Task<ArithmeticRecord> {
  return {
    name: NAME,
    variationKind: 'paraphrase',
    defaultVariations: 5,
    maxVariations: ARITHMETIC_TEMPLATES,
    sourceSplits: SYNTHETIC_SOURCE_SPLITS,
    splitPlan: SYNTHETIC_SPLIT_PLAN,
    sourceSplitOf: syntheticSourceSplitOf,
    fromRow(row, at) {
      const problem = validateRow(rowSchema, row, at);
      const answer = problem.op === 'plus' ? problem.a + problem.b : problem.a - problem.b;
      return { ...problem, id: `${NAME}/${at.split}/${at.index}`, gold: String(answer), question: arithmeticQuestion(problem, 0), answer };
    },
    prompt: (record) => arithmeticPrompt(record.question),
    variations: (record, n, rng) =>
      paraphraseTemplates(n, rng).map((template, variant) => ({ variant, prompt: arithmeticPrompt(arithmeticQuestion(record, template)) })),
    parseAnswer: (output) => parseFirstLineNumber(output),
    renderAnswer: (answer) => ` ${answer}`,
    goldCompletion: (record) => ` ${record.answer}`,
  };
}
