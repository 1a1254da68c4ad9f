import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BuiltinGenerator } from '../../backends/builtin-generator.js';
import { startServer } from '../../serve/server.js';
import { parseFlags } from '../flags.js';

const serveFlags = z.object({
  model: z.string().min(1),
  adapter: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  batchSize: z.coerce.number().int().min(1),
  seed: z.coerce.number().int().nonnegative(),
});

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
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(serveFlags, raw);
      const name = flags.name ?? basename(resolve(flags.adapter ?? flags.model));
      // The weights and the batches live in a worker thread: the server answers other requests while a batch runs.
      const generator = await BuiltinGenerator.openInWorker(
        { checkpoint: flags.model, ...(flags.adapter !== undefined ? { adapter: flags.adapter } : {}) },
        { name, concurrency: flags.batchSize },
      );
      const server = await startServer({ generator, name, host: flags.host, port: flags.port, seed: flags.seed });
      process.stdout.write(`serving ${name} at ${server.baseUrl} (batches of up to ${flags.batchSize}); Ctrl-C stops\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      // Queued completions fail at once (their clients get an error) instead of holding the shutdown.
      await generator.close();
      await server.close();
    });
}
