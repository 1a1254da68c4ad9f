// Cells that overlap (the built-in engine starts a cell's weak stages while earlier cells' strong jobs run): the
// results do not depend on it, and a failed job stops the run with nothing left running.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEngine } from '../../src/run/engines/types.js';

// From the compiled dist/ (npm test builds it first): the job pool starts its worker threads from compiled files.
const { parseRunConfig } = (await import('../../dist/run/config.js')) as typeof import('../../src/run/config.js');
const { createRunEngine } = (await import('../../dist/run/engines/create.js')) as typeof import('../../src/run/engines/create.js');
const { runExperiment } = (await import('../../dist/run/experiment.js')) as typeof import('../../src/run/experiment.js');

const config = parseRunConfig({ suite: 'quick', tasks: ['knowledge'], seeds: 3, methods: ['naive', 'filter', 'ceiling'] });

/** The built-in engine with its strong jobs counted, and one of them failing (by seed, method) when asked. */
function instrumented(inner: RunEngine, failing?: { seed: number; method: string }): RunEngine & { running: () => number; started: string[] } {
  let running = 0;
  const started: string[] = [];
  return {
    ...inner,
    running: () => running,
    started,
    strongJob: async (job, onStep) => {
      const where = job.train?.outDir ?? '';
      started.push(where);
      running++;
      try {
        if (failing && where.endsWith(join(`seed-${failing.seed}`, failing.method))) throw new Error(`the ${failing.method} job of seed ${failing.seed} failed`);
        return await inner.strongJob(job, onStep);
      } finally {
        running--;
      }
    },
  };
}

describe('overlapping cells (built-in engine)', () => {
  let engine: RunEngine;
  const previousCache = process.env.W2S_CACHE;
  beforeAll(async () => {
    process.env.W2S_CACHE = mkdtempSync(join(tmpdir(), 'w2s-pipeline-cache-'));
    engine = await createRunEngine(config);
  });
  afterAll(async () => {
    await engine?.close();
    if (previousCache === undefined) delete process.env.W2S_CACHE;
    else process.env.W2S_CACHE = previousCache;
  });

  it('pipelines, and gives the results of cells run one after another', async () => {
    expect(engine.pipelinesCells).toBe(true);
    const overlapped = await runExperiment(join(mkdtempSync(join(tmpdir(), 'w2s-pipeline-')), 'a'), config, undefined, engine);
    const serial = await runExperiment(join(mkdtempSync(join(tmpdir(), 'w2s-pipeline-')), 'b'), config, undefined, { ...engine, pipelinesCells: false });
    expect({ ...overlapped, timing: null }).toEqual({ ...serial, timing: null });
    expect(Object.keys(overlapped.tasks)).toEqual(['synthetic-knowledge']);
  }, 120_000);

  it("stops at a failed strong job with that job's error, and returns only when no job is left running", async () => {
    const counted = instrumented(engine, { seed: 0, method: 'naive' });
    await expect(runExperiment(join(mkdtempSync(join(tmpdir(), 'w2s-pipeline-')), 'c'), config, undefined, counted)).rejects.toThrow('the naive job of seed 0 failed');
    expect(counted.running()).toBe(0);
    // The failure stopped the loop: the last seed's cell never queued its jobs.
    expect(counted.started.some((where) => where.includes('seed-2'))).toBe(false);
  }, 120_000);
});
