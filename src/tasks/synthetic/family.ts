// What the four synthetic task families share: their names, record options, and the seeded choice of which of a
// role's fact queries become a split's questions.
import { z } from 'zod';
import { Rng } from '../../core/rng.js';
import type { SplitName } from '../types.js';
import { splitFromFileName } from '../split-names.js';
import { expected } from '../validate.js';
import type { Role, World } from './world.js';

/** The four families, mirroring the paper's datasets: MMLU, HellaSwag, ETHICS, GSM8K. */
export const FAMILY_NAMES = ['knowledge', 'continuation', 'judgement', 'arithmetic'] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** Whether `name` is one of the suite's families. */
export function isFamilyName(name: string): name is FamilyName {
  return (FAMILY_NAMES as readonly string[]).includes(name);
}

/** The task name of a family in the registry (`synthetic-knowledge`, ...). */
export function taskNameOf(family: FamilyName): `synthetic-${FamilyName}` {
  return `synthetic-${family}`;
}

export interface RecordOptions {
  /** Questions to draw from the role's fact queries (all of them when absent). */
  count?: number;
  /** Probability that an original prompt shows the gold answer first (answer-key.ts); balanced when absent. */
  goldFirst?: number;
  /**
   * Names an independent draw of the records' random choices (options, key, wording): the same questions with fresh
   * distractors and order, as format practice needs every time it is rendered. Absent: the split's own draw.
   */
  stream?: string;
}

/** Lowercase words (letters or digits) separated by single spaces: every name, value and story of the world. */
export const wordsSchema = z.string({ error: expected('a string') }).regex(/^[a-z0-9]+(?: [a-z0-9]+)*$/, { error: 'expected lowercase words' });

/** The split names the synthetic tasks' records are stored under; they are our splits themselves. */
export const SYNTHETIC_SPLIT_PLAN = {
  train: { kind: 'all', from: 'train' },
  val: { kind: 'all', from: 'val' },
  test: { kind: 'all', from: 'test' },
} as const;

export const SYNTHETIC_SOURCE_SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** The split a records file holds, told from its name (`train.jsonl`, `val.jsonl`, `test.jsonl`). */
export function syntheticSourceSplitOf(file: string): string | undefined {
  return splitFromFileName(file, { train: ['train'], val: ['val', 'validation'], test: ['test'] });
}

/**
 * `count` of the queries (all when absent), in a seeded order that depends only on the world seed, the family and
 * the role; asking for more than there are is an error that names the family and role.
 */
export function chooseQueries<T>(world: World, family: FamilyName, role: Role, queries: readonly T[], count?: number): T[] {
  const n = count ?? queries.length;
  if (!Number.isInteger(n) || n < 0 || n > queries.length) {
    throw new RangeError(`synthetic-${family}: ${n} ${role} questions asked, the world has ${queries.length}`);
  }
  return Rng.derive(world.seed, `${family}:${role}:order`).shuffle(queries).slice(0, n);
}

/** The generator of one record's random choices (options, distractors, key), independent of the other records. */
export function recordRng(world: World, family: FamilyName, role: Role, index: number, stream?: string): Rng {
  return Rng.derive(world.seed, stream === undefined ? `${family}:${role}:${index}` : `${family}:${role}:${stream}:${index}`);
}
