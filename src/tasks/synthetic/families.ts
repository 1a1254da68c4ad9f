// The four families by name: each one's Task and its record generator, so the pipeline and the corpus treat them alike.
import type { Question, Task } from '../types.js';
import { arithmeticRecords, arithmeticTask } from './arithmetic.js';
import { continuationRecords, continuationTask } from './continuation.js';
import { FAMILY_NAMES, type FamilyName, type RecordOptions } from './family.js';
import { judgementRecords, judgementTask } from './judgement.js';
import { knowledgeRecords, knowledgeTask } from './knowledge.js';
import { type Role, type World, factKey } from './world.js';

export interface Family {
  name: FamilyName;
  task: Task<Question>;
  /** The family's questions about a role's entities or facts (deterministic given the world seed). */
  records(world: World, role: Role, options?: RecordOptions): Question[];
  /** The number of slots a gold answer can be shown in (4 options, 2 label words); null for numeric answers. */
  slots: number | null;
  /** The key ({@link factKey}) of the world fact a record asks about. */
  factOf(record: Question): string;
}

// A family's task only ever receives records that the same family generated.
function family<R extends Question>(
  name: FamilyName,
  task: Task<R>,
  records: (world: World, role: Role, options?: RecordOptions) => R[],
  slots: number | null,
  factOf: (record: R) => string,
): Family {
  return { name, task, records, slots, factOf: factOf as (record: Question) => string };
}

const entityFact = (record: { entity: string; attribute: string }): string => factKey({ entity: record.entity, attribute: record.attribute });

const FAMILIES: Readonly<Record<FamilyName, Family>> = {
  knowledge: family('knowledge', knowledgeTask(), knowledgeRecords, 4, entityFact),
  continuation: family('continuation', continuationTask(), continuationRecords, 4, entityFact),
  judgement: family('judgement', judgementTask(), judgementRecords, 2, entityFact),
  arithmetic: family('arithmetic', arithmeticTask(), arithmeticRecords, null, (r) => factKey({ a: r.a, b: r.b, op: r.op })),
};

/** The family called `name`. */
export function getFamily(name: FamilyName): Family {
  return FAMILIES[name];
}

/** All four families, in the paper's order of their counterparts' appearance in our suite. */
export function allFamilies(): Family[] {
  return FAMILY_NAMES.map((name) => FAMILIES[name]);
}
