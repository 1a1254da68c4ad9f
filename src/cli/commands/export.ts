import type { Command } from 'commander';
import { installCommand, NODE_LLAMA_CPP } from '../../optional.js';
import { lazyAction } from '../lazy.js';

/** `w2s export gguf`: a checkpoint of the built-in engine as a GGUF file for llama.cpp. */
export function registerExport(program: Command): void {
  const exporter = program.command('export').description('write a model of the built-in engine in another format');
  exporter
    .command('gguf')
    .description('write a checkpoint (with a LoRA adapter merged in) as a GGUF file that llama.cpp and node-llama-cpp run')
    .requiredOption('--model <dir>', 'checkpoint folder (config.json, model.safetensors, tokenizer.json)')
    .option('--adapter <dir>', 'PEFT adapter folder to merge into the weights')
    .requiredOption('--out <file>', 'the .gguf file to write (replaced if it exists)')
    .option('--dtype <type>', 'f32 (exact) or f16 (half the size) for the weight matrices; norms stay f32', 'f32')
    .option('--name <text>', 'general.name in the file (default: w2s)')
    .option('--check', `run the file in llama.cpp and compare its greedy text with the built-in engine's; texts that part only where two tokens score within rounding of each other pass (needs ${NODE_LLAMA_CPP.name}: ${installCommand(NODE_LLAMA_CPP)})`)
    .addHelpText(
      'after',
      '\nThe file uses llama.cpp\'s "llama" architecture and a byte-level BPE ("gpt2") tokenizer; other tokenizers are\n' +
        'refused. Run it with `w2s label --backend llamacpp --model FILE` or any llama.cpp tool.\n\n' +
        'Example:\n  w2s export gguf --model runs/exp/weak --out weak.gguf',
    )
    .action(lazyAction(async () => (await import('../actions/export.js')).ggufAction));
}
