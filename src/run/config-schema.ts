// The run config's JSON Schema, generated from its zod schema (config.ts), so editors check and complete a config file
// with the same rules `w2s run` applies. `npm run build` writes it to schema/run-config.schema.json, which ships in the
// package. The checks across fields (variations a task can make, models the paper's tasks need) are zod refinements
// that JSON Schema cannot state; `w2s run` still applies them.
import { z } from 'zod';
import { runConfigSchema } from './config.js';

/** Where the schema ships, relative to the package root. */
export const RUN_CONFIG_SCHEMA_PATH = 'schema/run-config.schema.json';

/** The JSON Schema (draft 2020-12) of a config file: what a user writes, so defaulted keys are optional. */
export function runConfigJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(runConfigSchema, { io: 'input' });
  const { $schema, ...rest } = generated;
  return { $schema, title: 'w2s run configuration', description: 'A config file of `w2s run --config` (YAML or JSON); flags override its settings.', ...rest };
}

/** The schema file's text: two-space JSON with a final newline. */
export function runConfigJsonSchemaText(): string {
  return `${JSON.stringify(runConfigJsonSchema(), null, 2)}\n`;
}
