// Continuation multiple choice (like HellaSwag): the ending of a sentence about an entity's routine, among four.
import { z } from 'zod';
import type { PermutationMode } from '../../core/variations.js';
import type { Task } from '../types.js';
import { distractorsFor, goldSlot, placeGold } from './answer-key.js';
import { type RecordOptions, chooseQueries, recordRng, taskNameOf, wordsSchema } from './family.js';
import { ACTIVITIES } from './lexicon.js';
import { type MultipleChoiceRecord, multipleChoiceTask, optionList } from './mc-task.js';
import { type Role, type World, entitiesOf, worldSituations } from './world.js';

export interface ContinuationRecord extends MultipleChoiceRecord {
  entity: string;
  /** The situation of the routine (`morning`, `evening`, `rain`, `holiday`). */
  attribute: string;
  /** The sentence to complete ("every morning zorbo"). */
  ctx: string;
}

const NAME = taskNameOf('continuation');

/**
 * The prompt (App. B.1 in spirit, short): the endings, then the sentence to complete, so that the ending follows the
 * sentence as it does in the corpus (see knowledgePrompt for why the order matters at this scale).
 */
export function continuationPrompt(ctx: string, shown: readonly string[]): string {
  return `complete : ${optionList(shown)} . ${ctx}`;
}

/** The continuation questions of a role: one per (entity, situation) of the role's entities, `count` of them. */
export function continuationRecords(world: World, role: Role, options: RecordOptions = {}): ContinuationRecord[] {
  const queries = entitiesOf(world, role).flatMap((e) => worldSituations(world).map((s) => ({ entity: e, situation: s })));
  return chooseQueries(world, 'continuation', role, queries, options.count).map(({ entity, situation }, i) => {
    const rng = recordRng(world, 'continuation', role, i, options.stream);
    const gold = entity.routines[situation.name] as string;
    const slot = goldSlot(4, options.goldFirst ?? 0.25, rng);
    const choices = placeGold(gold, distractorsFor(gold, ACTIVITIES, 3, rng), slot, rng);
    const ctx = `${situation.lead} ${entity.name}`;
    return { id: `${NAME}/${role}/${i}`, gold, entity: entity.name, attribute: situation.name, ctx, choices, answer: slot };
  });
}

const schema = z.object({ entity: wordsSchema, attribute: wordsSchema, ctx: wordsSchema });

/** The continuation task. */
export function continuationTask(options: { permutationMode?: PermutationMode } = {}): Task<ContinuationRecord> {
  return multipleChoiceTask<ContinuationRecord>({
    name: NAME,
    render: (record, shown) => continuationPrompt(record.ctx, shown),
    schema,
    ...(options.permutationMode ? { permutationMode: options.permutationMode } : {}),
  });
}
