// The four families by name: each one's Task and its record generator, so the pipeline and the corpus treat them alike.
import type { Question, Task } from '../types.js';
import { arithmeticRecords, arithmeticTask } from './arithmetic.js';
import { continuationRecords, continuationTask } from './continuation.js';
import { FAMILY_NAMES, type FamilyName, type RecordOptions } from './family.js';
import { judgementRecords, judgementTask } from './judgement.js';
import { knowledgeRecords, knowledgeTask } from './knowledge.js';
import type { Role, World } from './world.js';

export interface Family {
  name: FamilyName;
  task: Task<Question>;
  /** The family's questions about a role's entities or facts (deterministic given the world seed). */
  records(world: World, role: Role, options?: RecordOptions): Question[];
  /** The number of slots a gold answer can be shown in (4 options, 2 label words); null for numeric answers. */
  slots: number | null;
}

// A family's task only ever receives records that the same family generated.
function family<R extends Question>(
  name: FamilyName,
  task: Task<R>,
  records: (world: World, role: Role, options?: RecordOptions) => R[],
  slots: number | null,
): Family {
  return { name, task, records, slots };
}

const FAMILIES: Readonly<Record<FamilyName, Family>> = {
  knowledge: family('knowledge', knowledgeTask(), knowledgeRecords, 4),
  continuation: family('continuation', continuationTask(), continuationRecords, 4),
  judgement: family('judgement', judgementTask(), judgementRecords, 2),
  arithmetic: family('arithmetic', arithmeticTask(), arithmeticRecords, null),
};

/** The family called `name`. */
export function getFamily(name: FamilyName): Family {
  return FAMILIES[name];
}

/** All four families, in the paper's order of their counterparts' appearance in our suite. */
export function allFamilies(): Family[] {
  return FAMILY_NAMES.map((name) => FAMILIES[name]);
}
