import type { Command } from 'commander';
import { lazyAction } from '../lazy.js';

/** `w2s doctor`: what this installation has (versions, kernels, the Hugging Face sidecar, optional packages, caches). */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description("print what this installation has and what each missing part disables: versions, the engine's kernels, the Hugging Face sidecar's Python, node-llama-cpp, the cache folder")
    .option('--python <path>', 'the sidecar interpreter to check (default: $W2S_PYTHON, else .venv-hf, else python3)')
    .option('--json', 'print one JSON object on stdout instead of text')
    .addHelpText('after', '\nExits 0 whatever is missing: optional parts only disable the commands that need them.\n')
    .action(lazyAction(async () => (await import('../actions/doctor.js')).doctorAction));
}
