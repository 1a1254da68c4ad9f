// Binary judgement (like ETHICS): is what one entity does to another right or wrong, by the other's customs? The
// two label words are shown in the record's order; the variation swaps them (N = 2, docs/method.md Sec. 4.1).
import { z } from 'zod';
import { labelWordOrders } from '../../core/variations.js';
import { parseJudgementAnswer, renderJudgementAnswer } from '../answer-formats.js';
import type { Question, Task } from '../types.js';
import { integer, validateRow } from '../validate.js';
import { goldSlot } from './answer-key.js';
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
import { CUSTOMS, JUDGEMENT_WORDS } from './lexicon.js';
import { customStory } from './sentences.js';
import { type Role, type World, entitiesOf } from './world.js';

/** A story to judge; `label` 0 = right, 1 = wrong (ETHICS: 0 = acceptable), by the custom of the entity acted on. */
export interface JudgementRecord extends Question {
  /** The entity acted on, whose custom decides. */
  entity: string;
  /** The custom (`visit`, `wake`, `thank`). */
  attribute: string;
  /** The story ("tamer wakes zorbo"). */
  input: string;
  label: 0 | 1;
  /** The order the original prompt shows the label words in: 0 "right or wrong", 1 "wrong or right". */
  order: 0 | 1;
}

type LabelWords = readonly [string, string];

const NAME = taskNameOf('judgement');

/**
 * The prompt (App. B.3 in spirit, short): the instruction with the label words in the order given, then the story,
 * which ends the way the custom's statement goes on ("someone wakes zorbo , which is wrong"), so that the label is
 * the story's completion (see knowledgePrompt for why the order matters at this scale).
 */
export function judgementPrompt(input: string, words: LabelWords): string {
  return `judge ${words[0]} or ${words[1]} : ${input} , which is`;
}

function wordsInOrder(order: 0 | 1): LabelWords {
  return order === 0 ? JUDGEMENT_WORDS : [JUDGEMENT_WORDS[1], JUDGEMENT_WORDS[0]];
}

/**
 * The judgement questions of a role: one story per (entity, custom) of the role's entities, `count` of them; the
 * actor is another entity of the role, drawn at random.
 */
export function judgementRecords(world: World, role: Role, options: RecordOptions = {}): JudgementRecord[] {
  const entities = entitiesOf(world, role);
  const queries = entities.flatMap((e) => CUSTOMS.map((custom) => ({ entity: e, custom })));
  return chooseQueries(world, 'judgement', role, queries, options.count).map(({ entity, custom }, i) => {
    const rng = recordRng(world, 'judgement', role, i, options.stream);
    const others = entities.filter((e) => e !== entity);
    const actor = (others[rng.int(others.length)] as { name: string }).name;
    const label = entity.customs[custom.name] as 0 | 1;
    const goldFirst = goldSlot(2, options.goldFirst ?? 0.5, rng) === 0;
    const order: 0 | 1 = goldFirst === (label === 0) ? 0 : 1;
    const input = customStory(actor, custom, entity.name);
    return { id: `${NAME}/${role}/${i}`, gold: String(label), entity: entity.name, attribute: custom.name, input, label, order };
  });
}

const rowSchema = z.object({
  entity: wordsSchema,
  attribute: z.enum(CUSTOMS.map((c) => c.name) as [string, ...string[]], { error: 'expected a custom of the world' }),
  input: wordsSchema,
  label: integer.pipe(z.union([z.literal(0), z.literal(1)], { error: 'expected 0 or 1' })),
  order: integer.pipe(z.union([z.literal(0), z.literal(1)], { error: 'expected 0 or 1' })),
});

/** The judgement task. */
export function judgementTask(): Task<JudgementRecord> {
  return {
    name: NAME,
    variationKind: 'label-swap',
    defaultVariations: 2,
    maxVariations: 2,
    sourceSplits: SYNTHETIC_SOURCE_SPLITS,
    splitPlan: SYNTHETIC_SPLIT_PLAN,
    sourceSplitOf: syntheticSourceSplitOf,
    fromRow(row, at) {
      const fields = validateRow(rowSchema, row, at);
      return { ...fields, id: `${NAME}/${at.split}/${at.index}`, gold: String(fields.label) };
    },
    prompt: (record) => judgementPrompt(record.input, wordsInOrder(record.order)),
    variations(record, n) {
      const orders = labelWordOrders(wordsInOrder(record.order));
      if (!Number.isInteger(n) || n < 1 || n > orders.length) throw new RangeError(`${NAME}: N must be 1 or 2 (the two label-word orders), got ${n}`);
      return orders.slice(0, n).map((words, variant) => ({ variant, prompt: judgementPrompt(record.input, words) }));
    },
    // answer-formats.ts: also what `w2s score` reads judgement answers with.
    parseAnswer: (output) => parseJudgementAnswer(output),
    renderAnswer: (answer) => renderJudgementAnswer(answer),
    goldCompletion: (record) => ` ${JUDGEMENT_WORDS[record.label]}`,
  };
}

