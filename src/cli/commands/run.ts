import type { Command } from 'commander';

/** `w2s run`: the paper's whole experiment on the embedded synthetic suite. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description("run the paper's whole experiment on the embedded synthetic suite (weak training, labeling, reliability, strong variants, report)")
    .option('--out <dir>', 'run directory (default: a new folder under ./runs)')
    .option('--quick', 'a small smoke run')
    .action(() => {
      process.stdout.write(
        'w2s run: the embedded experiment (synthetic suite + built-in engine) is coming in a later release.\n' +
          'Meanwhile, score your own answers file with reliability:\n' +
          '  npx w2s score --input examples/answers.jsonl --out runs/score-example\n',
      );
    });
}
