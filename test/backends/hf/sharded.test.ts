import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src/engine/formats/safetensors.js';
import { trainTinyLm } from '../../engine/tiny-lm.js';
import { relativeError } from '../../helpers/relative-error.js';
import { eventsNamed, PARITY_ROWS, parityRequired, pythonAvailable, report, runLaunched, runPython, runSidecar, type PythonRun } from './python-sidecar.js';

/*
 * The sharded configs, run for real on this machine's CPUs: python/accelerate/fsdp.yaml (PyTorch FSDP) and
 * deepspeed-zero3.yaml (DeepSpeed ZeRO-3), and deepspeed-zero2.yaml beside them, each started by accelerate's own
 * launcher with 2 processes (gloo), train exactly as one process does: the same loss and gradient norm at every step,
 * the same adapter (LoRA) or weights (full fine-tuning), on the parity test's checkpoint, rows and request (uneven
 * shares, padding passes). FSDP needs PyTorch 2.x (Debian's torch 1.13 cannot import it under Python 3.11) and
 * DeepSpeed must be installed (python/setup-venv-current.sh does): each is skipped with the reason where the stack
 * lacks it. The first DeepSpeed run on a machine also builds DeepSpeed's CPU comm op (about 50 s, cached).
 */

const ROWS = PARITY_ROWS;

/** The gloo test's request: batches of 3 over 8 rows, so shares are uneven and the last step of an epoch is short. */
const MODES = {
  lora: { lora: { r: 4, alpha: 8, dropout: 0, target_modules: ['q_proj', 'v_proj', 'down_proj'] }, learning_rate: 1e-2, batch_size: 3, micro_batch_size: 1, max_steps: 4 },
  full: { lora: null, learning_rate: 1e-3, batch_size: 3, micro_batch_size: 1, max_steps: 4 },
} as const;
type Mode = keyof typeof MODES;

const STEP_TOLERANCE = 1e-4;
/**
 * Saved tensors, 2 processes against 1. Full fine-tuning holds 1e-4. The adapter gets the gloo test's 1e-3: AdamW
 * divides each element's step by its own gradient's magnitude, so an element whose gradient is nearly 0 turns a
 * summation-order difference of ~1e-7 into a visible share of one step.
 */
const TENSOR_TOLERANCE: Record<Mode, number> = { lora: 1e-3, full: 1e-4 };

/** ZeRO-2 (LoRA only) beside them: the same accumulation boundary as ZeRO-3, without the sharded weights. */
const CONFIGS = [
  { config: 'fsdp', name: 'FSDP', distributed: 'fsdp', modes: ['lora', 'full'] },
  { config: 'deepspeed-zero3', name: 'DeepSpeed ZeRO-3', distributed: 'deepspeed', modes: ['lora', 'full'] },
  { config: 'deepspeed-zero2', name: 'DeepSpeed ZeRO-2', distributed: 'deepspeed', modes: ['lora'] },
] as const;

/** What the stack can run: its torch, whether torch.distributed.fsdp imports (and why not), DeepSpeed's version. */
const PROBE = `
import importlib.metadata, importlib.util, json, torch
out = {"torch": torch.__version__, "fsdp_error": None, "deepspeed": None}
try:
    from torch.distributed.fsdp import FullyShardedDataParallel  # noqa: F401
except Exception as e:
    out["fsdp_error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
if importlib.util.find_spec("deepspeed") is not None:
    out["deepspeed"] = importlib.metadata.version("deepspeed")
print(json.dumps(out))
`;

interface Stack {
  torch: string;
  fsdp_error: string | null;
  deepspeed: string | null;
}

let work = '';
let checkpoint = '';
let rowsFile = '';
let stack: Stack;
const references = new Map<Mode, Promise<PythonRun>>();
const measured: string[] = [];

function request(name: string, mode: Mode): string {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify({ base: checkpoint, rows: rowsFile, out: join(work, name), seed: 0, ...MODES[mode] }));
  return file;
}

/** The one-process run of a mode, trained once and shared by both configs. */
function reference(mode: Mode): Promise<PythonRun> {
  let run = references.get(mode);
  if (!run) {
    run = runSidecar(['train', '--request', request(`one-${mode}`, mode)]);
    references.set(mode, run);
  }
  return run;
}

/** Why this stack cannot run `config` (null: it can). */
function unavailable(config: string): string | null {
  if (config === 'fsdp' && stack.fsdp_error !== null) {
    return `FSDP needs PyTorch 2.x: torch ${stack.torch} cannot import torch.distributed.fsdp (${stack.fsdp_error})`;
  }
  if (config.startsWith('deepspeed') && stack.deepspeed === null) {
    return `DeepSpeed is not installed in this environment (bash python/setup-venv-current.sh installs it into .venv-hf-current)`;
  }
  return null;
}

/** max |a - b| and max |a - b| / |b| over the steps' values of `field`. */
function stepDifferences(one: Record<string, unknown>[], two: Record<string, unknown>[], field: string): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  one.forEach((e, i) => {
    const a = e[field] as number;
    const b = two[i]![field] as number;
    expect(typeof b, `step ${i + 1} ${field}: ${JSON.stringify(two[i])}`).toBe('number');
    abs = Math.max(abs, Math.abs(a - b));
    rel = Math.max(rel, Math.abs(a - b) / Math.abs(a));
  });
  return { abs, rel };
}

/** The saved model's JSON config, with the set of LoRA targets in a fixed order (PEFT writes a set). */
function savedConfig(folder: string, mode: Mode): unknown {
  const config = JSON.parse(readFileSync(join(folder, mode === 'lora' ? 'adapter_config.json' : 'config.json'), 'utf8')) as Record<string, unknown>;
  if (Array.isArray(config.target_modules)) config.target_modules = [...(config.target_modules as string[])].sort();
  return config;
}

describe.skipIf(!pythonAvailable && !parityRequired)('sharded training on CPUs: FSDP and DeepSpeed ZeRO-3/2 with 2 processes train exactly as 1', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'w2s-hf-sharded-'));
    checkpoint = await trainTinyLm(work);
    rowsFile = join(work, 'rows.jsonl');
    writeFileSync(rowsFile, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const probe = await runPython(['-c', PROBE]);
    expect(probe.status, report(probe)).toBe(0);
    stack = probe.events[0] as unknown as Stack;
  }, 60_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (measured.length) console.log(`hf sidecar, sharded on 2 CPU processes vs 1 process:\n  ${measured.join('\n  ')}`);
  });

  for (const { config, name, distributed, modes } of CONFIGS) {
    for (const mode of modes) {
      const what = mode === 'lora' ? 'LoRA: losses, gradient norms and adapter' : 'full fine-tuning: losses, gradient norms and weights';
      it(`${name} (${config}.yaml), ${what}`, async (ctx) => {
        const reason = unavailable(config);
        if (reason !== null) {
          // FSDP is there on every PyTorch 2.x: only the old stack may lack it.
          if (config === 'fsdp') expect(Number(stack.torch.split('.')[0]), reason).toBeLessThan(2);
          ctx.skip(reason);
          return;
        }
        const one = await reference(mode);
        expect(one.status, report(one)).toBe(0);
        // DS_ACCELERATOR: DeepSpeed would otherwise say on the launcher's stdout that it picked the CPU.
        const two = await runLaunched(config, 2, ['train', '--request', request(`${config}-${mode}`, mode)], { env: { DS_ACCELERATOR: 'cpu' }, timeoutMs: 280_000 });
        expect(two.status, report(two)).toBe(0);
        const starts = eventsNamed(two, 'start');
        expect(starts, 'only the main process prints').toHaveLength(1);
        expect(starts[0]).toMatchObject({ processes: 2, distributed, device: 'cpu', precision: 'fp32', total_steps: 4 });
        expect(eventsNamed(two, 'done')).toHaveLength(1);

        const a = eventsNamed(one, 'step');
        const b = eventsNamed(two, 'step');
        expect(b.map((e) => [e.step, e.epoch])).toEqual([[1, 0], [2, 0], [3, 0], [4, 1]]);
        const losses = stepDifferences(a, b, 'loss');
        const norms = stepDifferences(a, b, 'grad_norm');
        expect(losses.rel, 'losses').toBeLessThan(STEP_TOLERANCE);
        expect(norms.rel, 'gradient norms').toBeLessThan(STEP_TOLERANCE);

        const file = mode === 'lora' ? 'adapter_model.safetensors' : 'model.safetensors';
        const single = readSafetensors(join(work, `one-${mode}`, file)).tensors;
        const sharded = readSafetensors(join(work, `${config}-${mode}`, file)).tensors;
        expect([...sharded.keys()].sort()).toEqual([...single.keys()].sort());
        expect(single.size).toBeGreaterThan(0);
        let worst = 0;
        let worstAbs = 0;
        for (const [key, t] of single) {
          const other = sharded.get(key)!.data;
          const error = relativeError(other, t.data);
          expect(error, key).toBeLessThan(TENSOR_TOLERANCE[mode]);
          worst = Math.max(worst, error);
          for (let i = 0; i < t.data.length; i++) worstAbs = Math.max(worstAbs, Math.abs(other[i]! - t.data[i]!));
        }
        expect(savedConfig(join(work, `${config}-${mode}`), mode)).toEqual(savedConfig(join(work, `one-${mode}`), mode));
        measured.push(
          `${name} ${mode}: losses max abs ${losses.abs.toExponential(2)} rel ${losses.rel.toExponential(2)}; ` +
            `gradient norms max abs ${norms.abs.toExponential(2)} rel ${norms.rel.toExponential(2)}; ` +
            `${single.size} tensors max abs ${worstAbs.toExponential(2)}, worst relative error ${worst.toExponential(2)}`,
        );
      }, 300_000);
    }
  }
});
