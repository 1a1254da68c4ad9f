// Knowledge multiple choice (like MMLU): which value does an entity's property have, among four options.
import { z } from 'zod';
import type { PermutationMode } from '../../core/variations.js';
import type { Task } from '../types.js';
import { distractorsFor, goldSlot, placeGold } from './answer-key.js';
import { type RecordOptions, chooseQueries, recordRng, taskNameOf, wordsSchema } from './family.js';
import { PROPERTIES } from './lexicon.js';
import { propertyCloze } from './sentences.js';
import { type MultipleChoiceRecord, multipleChoiceTask, optionList } from './mc-task.js';
import { type Role, type World, entitiesOf } from './world.js';

export interface KnowledgeRecord extends MultipleChoiceRecord {
  entity: string;
  /** The property asked about (`color`, `food`, `pet`, `home`). */
  attribute: string;
  /** The cloze the question asks to complete ("the color of zorbo is"). */
  question: string;
}

const NAME = taskNameOf('knowledge');

/**
 * The prompt (App. B.2 in spirit, short): the options, then the question as a cloze of a corpus statement, whose
 * completion is the answer ("question : A. red B. blue C. gold D. pink . the color of zorbo is"). A model this small
 * answers about facts it was never asked about only when the prompt ends the way a statement of the fact goes on.
 * In our measurements of a weak base's zero-shot accuracy on facts it had read: 0.31 with a "what color is zorbo ?"
 * question before the options, 0.53 with this cloze before the options, 0.97 with the cloze last (as here).
 */
export function knowledgePrompt(question: string, shown: readonly string[]): string {
  return `question : ${optionList(shown)} . ${question}`;
}

/** The knowledge questions of a role: one per (entity, property) of the role's entities, `count` of them. */
export function knowledgeRecords(world: World, role: Role, options: RecordOptions = {}): KnowledgeRecord[] {
  const queries = entitiesOf(world, role).flatMap((e) => PROPERTIES.map((p) => ({ entity: e, property: p })));
  return chooseQueries(world, 'knowledge', role, queries, options.count).map(({ entity, property }, i) => {
    const rng = recordRng(world, 'knowledge', role, i, options.stream);
    const gold = entity.properties[property.name] as string;
    const slot = goldSlot(4, options.goldFirst ?? 0.25, rng);
    const choices = placeGold(gold, distractorsFor(gold, property.values, 3, rng), slot, rng);
    const question = propertyCloze(entity.name, property.name);
    return { id: `${NAME}/${role}/${i}`, gold, entity: entity.name, attribute: property.name, question, choices, answer: slot };
  });
}

const schema = z.object({ entity: wordsSchema, attribute: wordsSchema, question: z.string() });

/** The knowledge task. */
export function knowledgeTask(options: { permutationMode?: PermutationMode } = {}): Task<KnowledgeRecord> {
  return multipleChoiceTask<KnowledgeRecord>({
    name: NAME,
    render: (record, shown) => knowledgePrompt(record.question, shown),
    schema,
    ...(options.permutationMode ? { permutationMode: options.permutationMode } : {}),
  });
}
