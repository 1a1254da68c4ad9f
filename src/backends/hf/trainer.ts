// Training with PyTorch + transformers + PEFT (+ accelerate): the rows and the request go to a temp folder, the sidecar
// trains and writes the model (atomically, on its side), and its step events become our progress.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SftRow } from '../../core/types.js';
import { sftRowsText } from '../../io/sft-rows.js';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import type { ModelRef, SftOutcome, SftSettings, Trainer, TrainControl } from '../types.js';
import { isChatPreset, resolveModelName } from './presets.js';
import { checkHfEnvironment, pythonCommand, sidecarEnv } from './python.js';
import { expectMessage, trainEvent, type DoneEvent, type StartEvent } from './protocol.js';
import { runSidecar } from './sidecar.js';
import { accelerateConfigFile, trainArgs, trainRequest, type HfTrainOptions } from './train-request.js';

export interface HfTrainerOptions extends HfTrainOptions {
  /** The interpreter (default: see pythonCommand). */
  python?: string;
  /** Run under `accelerate launch` with this config: a shipped name (ACCELERATE_CONFIGS in presets.ts) or a file. */
  accelerate?: string;
  /** Variables added to the sidecar's environment (OMP_NUM_THREADS on CPU, CUDA_VISIBLE_DEVICES). */
  env?: NodeJS.ProcessEnv;
  /** Where the sidecar's stderr lines go (default: our stderr, prefixed). */
  stderr?: (line: string) => void;
}

/** The Hugging Face engine behind the Trainer interface. */
export class HfTrainer implements Trainer {
  readonly engine = 'hf';
  /** What the sidecar reported at the start of the last run: device, precision, processes, trainable parameters. */
  lastStart: StartEvent | null = null;

  constructor(private readonly options: HfTrainerOptions = {}) {}

  async train(
    base: ModelRef,
    rows: readonly SftRow[],
    settings: SftSettings,
    outDir: string,
    options: TrainControl = {},
  ): Promise<SftOutcome> {
    if (base.adapter !== undefined) {
      throw badInput('the hf engine trains a checkpoint, not a checkpoint with an adapter; merge the adapter first or train from the checkpoint', {
        field: 'base.adapter',
      });
    }
    if (rows.length === 0) throw badInput('no training rows', { field: 'rows' });
    const accelerateFile = this.options.accelerate === undefined ? undefined : accelerateConfigFile(this.options.accelerate);
    const info = await checkHfEnvironment(this.options.python);
    const accelerate = accelerateFile === undefined ? undefined : { name: this.options.accelerate as string, file: accelerateFile, devices: info.devices };
    const checkpoint = modelLocation(base.checkpoint);
    const out = resolve(outDir);
    const work = mkdtempSync(join(tmpdir(), 'w2s-hf-train-'));
    try {
      const rowsFile = join(work, 'rows.jsonl');
      writeFileSync(rowsFile, sftRowsText(rows));
      const requestFile = join(work, 'request.json');
      writeFileSync(requestFile, `${JSON.stringify(trainRequest(checkpoint, rowsFile, out, settings, { ...this.options, chatTemplate: this.options.chatTemplate ?? isChatPreset(base.checkpoint) }), null, 2)}\n`);

      let done: DoneEvent | undefined;
      this.lastStart = null;
      await runSidecar({
        command: pythonCommand(this.options.python),
        args: trainArgs(requestFile, accelerate),
        env: sidecarEnv(process.env, this.options.env),
        name: 'the Hugging Face sidecar (train)',
        signal: options.signal,
        ...(this.options.stderr ? { stderr: this.options.stderr } : {}),
        onMessage: (message) => {
          const event = expectMessage(trainEvent, message, 'w2s_hf train');
          if (event.event === 'start') this.lastStart = event;
          else if (event.event === 'step') options.onStep?.({ step: event.step, totalSteps: event.total_steps, loss: event.loss, learningRate: event.learning_rate });
          else if (event.event === 'done') done = event;
        },
      });
      if (done === undefined) throw new W2sError('the Hugging Face sidecar (train) exited without reporting the trained model', {}, EXIT_FAILURE);
      return {
        model: settings.lora === null ? { checkpoint: out } : { checkpoint, adapter: out },
        steps: done.steps,
        firstLoss: done.first_loss,
        lastLoss: done.last_loss,
        seconds: done.seconds,
      };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

/**
 * A model as the sidecar should get it: a preset becomes its hub id; a folder becomes absolute, so that the adapter's
 * base_model_name_or_path still finds it from another working directory; a hub id stays as it is.
 */
export function modelLocation(name: string): string {
  const resolved = resolveModelName(name);
  return existsSync(resolved) ? resolve(resolved) : resolved;
}
