import type { Command } from 'commander';
import { lazyAction } from '../lazy.js';

/** `w2s serve`: an OpenAI-compatible server over a model of the built-in engine, until Ctrl-C. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a checkpoint of the built-in engine over an OpenAI-compatible HTTP API (/v1/models, /v1/completions, /v1/chat/completions)')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .option('--adapter <dir>', 'PEFT adapter folder on top of the checkpoint')
    .option('--name <id>', 'the model id clients send (default: the name of the adapter folder, else of the checkpoint folder)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', '8000')
    .option('--batch-size <n>', 'requests generated together at most', '16')
    .option('--seed <n>', 'seed of the first sampled request that sends none (each such request takes the next)', '0')
    .addHelpText(
      'after',
      '\nChat requests are rendered with no chat markup: the messages\' contents joined by a blank line, so one user\n' +
        'message is exactly a raw prompt. Defaults are OpenAI\'s (temperature 1, max_tokens 16 for completions).\n' +
        'stream: true sends the whole output as one chunk once it is generated.\n\n' +
        'Example:\n  w2s serve --model runs/exp/weak --port 8000\n' +
        '  w2s label --task mmlu --backend openai --base-url http://127.0.0.1:8000/v1 --model weak --out runs/mmlu-weak',
    )
    .action(lazyAction(async () => (await import('../actions/serve.js')).serveAction));
}
