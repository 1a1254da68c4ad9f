// Where a run keeps its explore pages: one per task and seed, beside report.html, which links to them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The page of a task's weak labels under one seed, relative to the run directory. */
export function runExplorePage(task: string, seed: number): string {
  const safe = task.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'task';
  return `explore/${safe}-seed-${seed}.html`;
}

/** A run's explore page that exists on disk. */
export interface ExploreLink {
  task: string;
  seed: number;
  /** Relative to the run directory. */
  href: string;
}

/** The explore pages of a run's tasks and seeds that were written. */
export function runExplorePages(runDir: string, results: { tasks: Record<string, unknown>; seeds: readonly number[] }): ExploreLink[] {
  return Object.keys(results.tasks).flatMap((task) =>
    results.seeds.map((seed) => ({ task, seed, href: runExplorePage(task, seed) })).filter((link) => existsSync(join(runDir, link.href))),
  );
}
