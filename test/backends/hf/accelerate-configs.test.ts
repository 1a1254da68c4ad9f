import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCELERATE_CONFIGS } from '../../../src/backends/hf/presets.js';
import { parityRequired, pythonAvailable, report, ROOT, runPython } from './python-sidecar.js';

/*
 * The shipped accelerate configs (python/accelerate/*.yaml) as accelerate's own launcher reads them
 * (python/checks/accelerate_configs.py: its parsing and validation, then the environment and torchrun settings it
 * would give the processes, without starting any): on one machine, and on the second of two machines with the main
 * one's address, as python/accelerate/slurm.sh starts them.
 */

interface Described {
  launcher: string;
  distributed: string;
  num_processes: number;
  num_machines: number;
  machine_rank: number;
  mixed_precision: string;
  nnodes: string | null;
  node_rank: number | null;
  nproc_per_node: string | null;
  rdzv_endpoint: string | null;
  env: Record<string, string>;
}

const TWO_MACHINES = ['--num_machines', '2', '--num_processes', '16', '--machine_rank', '1', '--main_process_ip', '10.1.2.3', '--main_process_port', '29600'];

async function describeConfig(name: string, options: string[] = []): Promise<Described> {
  const run = await runPython([join(ROOT, 'python', 'checks', 'accelerate_configs.py'), join(ROOT, 'python', 'accelerate', `${name}.yaml`), ...options]);
  expect(run.status, report(run)).toBe(0);
  return run.events[0] as unknown as Described;
}

describe.skipIf(!pythonAvailable && !parityRequired)("the shipped accelerate configs, read by accelerate's launcher", () => {
  it('each parses, in bf16; the CLI offers every one but multi-node (which needs a launcher per machine)', async () => {
    const shipped = readdirSync(join(ROOT, 'python', 'accelerate')).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
    expect(shipped).toEqual(['deepspeed-zero2', 'deepspeed-zero3', 'fsdp', 'multi-gpu', 'multi-node', 'single-gpu']);
    expect([...ACCELERATE_CONFIGS].sort()).toEqual(shipped.filter((name) => name !== 'multi-node'));
    for (const name of shipped) expect((await describeConfig(name)).mixed_precision, name).toBe('bf16');
  }, 120_000);

  it('single-gpu: one process, no distributed launcher', async () => {
    expect(await describeConfig('single-gpu')).toMatchObject({ launcher: 'simple', distributed: 'none', num_processes: 1 });
  }, 60_000);

  it('deepspeed-zero2 and -zero3: the stages, ZeRO-3 sharding as weights load and gathering them to save', async () => {
    const zero2 = await describeConfig('deepspeed-zero2');
    expect(zero2).toMatchObject({ launcher: 'deepspeed', distributed: 'deepspeed' });
    expect(zero2.env).toMatchObject({ ACCELERATE_USE_DEEPSPEED: 'true', ACCELERATE_DEEPSPEED_ZERO_STAGE: '2', ACCELERATE_DEEPSPEED_ZERO3_INIT: 'false', ACCELERATE_DEEPSPEED_OFFLOAD_PARAM_DEVICE: 'none' });
    const zero3 = await describeConfig('deepspeed-zero3');
    expect(zero3.env).toMatchObject({ ACCELERATE_USE_DEEPSPEED: 'true', ACCELERATE_DEEPSPEED_ZERO_STAGE: '3', ACCELERATE_DEEPSPEED_ZERO3_INIT: 'true', ACCELERATE_DEEPSPEED_ZERO3_SAVE_16BIT_MODEL: 'true' });
  }, 60_000);

  it('fsdp: full sharding by decoder layer, original parameters kept (LoRA), the full state gathered to save', async () => {
    const fsdp = await describeConfig('fsdp');
    expect(fsdp).toMatchObject({ launcher: 'torchrun', distributed: 'fsdp' });
    expect(fsdp.env).toMatchObject({
      ACCELERATE_USE_FSDP: 'true',
      FSDP_SHARDING_STRATEGY: '1',
      FSDP_AUTO_WRAP_POLICY: 'TRANSFORMER_BASED_WRAP',
      FSDP_USE_ORIG_PARAMS: 'true',
      FSDP_STATE_DICT_TYPE: 'FULL_STATE_DICT',
      FSDP_SYNC_MODULE_STATES: 'true',
      FSDP_CPU_RAM_EFFICIENT_LOADING: 'true',
      FSDP_OFFLOAD_PARAMS: 'false',
    });
  }, 60_000);

  it('multi-node, and every multi-process config given two machines: torchrun on each machine, meeting at the main address', async () => {
    expect(await describeConfig('multi-node')).toMatchObject({ launcher: 'torchrun', distributed: 'multi_gpu', num_machines: 2, num_processes: 16, machine_rank: 0, nnodes: '2', node_rank: 0, nproc_per_node: '8', rdzv_endpoint: '127.0.0.1:29500' });
    for (const name of ['multi-node', 'multi-gpu', 'deepspeed-zero2', 'deepspeed-zero3', 'fsdp']) {
      // DeepSpeed's configs too: each machine runs its own launcher (not DeepSpeed's pdsh over ssh), as under Slurm.
      expect(await describeConfig(name, TWO_MACHINES), name).toMatchObject({ num_machines: 2, machine_rank: 1, nnodes: '2', node_rank: 1, nproc_per_node: '8', rdzv_endpoint: '10.1.2.3:29600' });
    }
  }, 120_000);
});
