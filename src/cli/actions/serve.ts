// `w2s serve`'s work, loaded when the command runs (src/cli/lazy.ts); its options are declared in commands/serve.ts.
import { basename, resolve } from 'node:path';
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

export async function serveAction(raw: Record<string, unknown>): Promise<void> {
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
}
