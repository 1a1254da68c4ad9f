// The run engine a run's configuration names: the built-in engine (worker threads) or the Hugging Face sidecar.
import type { RunConfig } from '../config.js';
import type { RunEngine } from './types.js';

/** The engine a run's configuration names (each imported on demand: neither loads what the other needs). */
export async function createRunEngine(config: Pick<RunConfig, 'engine' | 'hf' | 'workers'>): Promise<RunEngine> {
  if (config.engine === 'hf') {
    const { hfRunEngine } = await import('./hf.js');
    return hfRunEngine({ ...config.hf, workers: config.workers });
  }
  const { builtinRunEngine } = await import('./builtin.js');
  return builtinRunEngine(config.workers);
}
