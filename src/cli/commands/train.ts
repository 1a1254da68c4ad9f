import type { Command } from 'commander';
import { ACCELERATE_CONFIGS, MODEL_PAIRS, MODEL_PRESETS, PAPER_SFT } from '../../backends/hf/presets.js';
import { LORA_TARGETS, PAPER_LORA } from '../../engine/lora.js';
import { lazyAction } from '../lazy.js';

/** `w2s train`: fine-tune a model on SFT rows with the built-in engine or the Hugging Face sidecar. */
export function registerTrain(program: Command): void {
  const lora = PAPER_SFT.lora ?? PAPER_LORA;
  program
    .command('train')
    .description('fine-tune a model on SFT rows (completion-only CLM loss, per-row weights: docs/method.md Eq. 1 and 5) into a LoRA adapter or a checkpoint')
    .requiredOption('--base <model>', 'the model to fine-tune: a checkpoint folder; with --engine hf also a hub id or a preset (llama2-7b, llama2-13b, mistral-7b, llama3-8b)')
    .requiredOption('--rows <file>', 'SFT rows, JSONL {"id", "prompt", "completion", "weight"} (as `w2s score` writes them)')
    .requiredOption('--out <dir>', 'where the model goes: a PEFT adapter folder (LoRA) or a checkpoint folder (--full), with train.json')
    .option('--engine <name>', 'builtin (this package, CPU) or hf (PyTorch + transformers + PEFT in a Python sidecar, GPUs)', 'builtin')
    .option('--full', 'full fine-tuning instead of LoRA', false)
    .option('--lora-r <n>', 'LoRA rank', String(lora.r))
    .option('--lora-alpha <a>', 'LoRA alpha (scaling = alpha / r)', String(lora.alpha))
    .option('--lora-dropout <p>', 'dropout on the LoRA input path', String(lora.dropout))
    .option('--lora-targets <list>', `comma-separated modules, some of ${LORA_TARGETS.join(', ')}`, lora.targetModules.join(','))
    .option('--learning-rate <lr>', 'peak learning rate', String(PAPER_SFT.learningRate))
    .option('--batch-size <B>', 'examples per optimizer step (the B of Eq. 5; over all GPUs)', String(PAPER_SFT.batchSize))
    .option('--micro-batch-size <n>', 'examples per forward pass (per GPU); gradients accumulate up to --batch-size')
    .option('--epochs <n>', 'passes over the rows', String(PAPER_SFT.epochs))
    .option('--max-steps <n>', 'stop after this many optimizer steps (overrides --epochs)')
    .option('--schedule <kind>', 'learning-rate schedule: linear, cosine or constant', PAPER_SFT.schedule)
    .option('--warmup-steps <n>', 'linear warmup steps', String(PAPER_SFT.warmupSteps))
    .option('--seed <n>', 'seed of shuffling, LoRA initialisation and dropout', String(PAPER_SFT.seed))
    .option('--accelerate <config>', `hf: run under accelerate launch with ${ACCELERATE_CONFIGS.join(', ')} or your own config file`)
    .option('--precision <p>', 'auto (bf16 on a GPU that has it, else fp32), fp32 or bf16; the builtin engine is fp32', 'auto')
    .option('--gradient-checkpointing', 'hf: recompute activations in the backward pass (less memory, slower)', false)
    .option('--chat-template', "hf: render each row as a user turn and the assistant's answer in the model's chat template (default: raw text as the paper; on for instruct presets)", false)
    .option('--python <path>', 'hf: the Python interpreter (default: $W2S_PYTHON, else .venv-hf, else python3)')
    .option('--overwrite', 'replace --out if it exists and is not empty', false)
    .addHelpText(
      'after',
      '\nDefaults are the paper\'s (App. C): LoRA r 16, alpha 32, dropout 0.05 on q_proj and v_proj; learning rate 5e-5;\n' +
        'batch 24; 3 epochs; linear decay. The model and train.json (settings, losses, engine, seconds) appear in --out\n' +
        'together when training ends; Ctrl-C stops it and leaves nothing behind. Exit code 2 for bad input (the message\n' +
        'names the file, line and field), 1 for other failures.\n\n' +
        `Presets (--engine hf; the weights come from your Hugging Face cache):\n${Object.entries(MODEL_PRESETS).map(([name, id]) => `  ${name.padEnd(11)} ${id}`).join('\n')}\n` +
        `The paper's pairs (weak -> strong): ${MODEL_PAIRS.map((p) => `${p.weak} -> ${p.strong}`).join(', ')}.\n\n` +
        'Examples:\n' +
        '  w2s train --base runs/exp/bases/strong --rows runs/exp/score/sft-reweight.jsonl --out runs/exp/strong-reweight\n' +
        '  w2s train --engine hf --base mistral-7b --rows runs/mmlu/score/sft-reweight.jsonl --out runs/mmlu/mistral-reweight \\\n' +
        '      --accelerate multi-gpu --micro-batch-size 4\n' +
        '  w2s label --backend hf --model mistral-7b --adapter runs/mmlu/mistral-reweight ...',
    )
    .action(lazyAction(async () => (await import('../actions/train.js')).trainAction));
}
